"""Typed configuration: one pydantic model per TOML file, one loader, errors that name the file, the key and the line.

| file | model | read by |
|---|---|---|
| the console's `console.toml` (`--config`, CONSOLE_CONFIG, the user's directory) | `ConsoleFile` | `load_config` |
| `resources/config/dispatch.toml` | `DispatchFile` | `console.rules.default_rules` |
| `resources/config/calendar.toml` | `CalendarFile` | `console.worktime.default_calendar` |
| `resources/config/category_keywords.toml` | `KeywordsFile` | `console.services.suggest.default_rules` |
| `resources/config/triage.toml` | `TriageFile` | `console.services.triage.default_rules` |

Every table is a `Section`: unknown keys refused, numbers bounded (text and true/false refused where a number is
due), codes checked against the enums of `console.enums`, secrets held as `SecretStr`. Defaults are written once, in
the models. To add a table to a file, write a `Section` with defaults, bounds and descriptions and add it as a field
of the file's model, e.g. a password policy in the console's file:

    class LoginSection(Section):
        min_password_length: Int = Field(8, ge=4, le=128, description="shortest password accepted")

    class ConsoleFile(Section):
        ...
        login: LoginSection = Field(default_factory=LoginSection, description="logins")

then read it as `load_config().settings.login` (a runtime dataclass of the same values can be built from it, as
`console.rules.rules_from` does), and regenerate the README's tables (`python -m console.config.reference
README.md`; a test fails until they agree). Errors in the new table name their file, key and line like the others.
"""

from .base import FieldProblem, Section
from .console_file import (
    LANGUAGES,
    BasemapSection,
    ConsoleConfig,
    ConsoleFile,
    DatabaseSection,
    InterfaceSection,
    load_config,
    parse_config,
    resolve_database_url,
    save_config,
)
from .errors import ConfigError
from .feeds import FeedsConfig, HttpSettings, Open311Config, TraccarConfig
from .loader import CONFIG_ENV, load_file, locate, read_toml, validate
from .toml_writer import dumps_toml

__all__ = [
    "CONFIG_ENV",
    "LANGUAGES",
    "BasemapSection",
    "ConfigError",
    "ConsoleConfig",
    "ConsoleFile",
    "DatabaseSection",
    "FeedsConfig",
    "FieldProblem",
    "HttpSettings",
    "InterfaceSection",
    "Open311Config",
    "Section",
    "TraccarConfig",
    "dumps_toml",
    "load_config",
    "load_file",
    "locate",
    "parse_config",
    "read_toml",
    "resolve_database_url",
    "save_config",
    "validate",
]
