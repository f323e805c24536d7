"""The pieces every configuration model is made of: a `Section` base that refuses unknown keys and is immutable,
number types that refuse text and true/false, non-empty text, and `FieldProblem` for a check that spans several
keys but blames one of them.

Each field gives its bounds and a `description` in `Field(...)`: the README's configuration tables are generated from
them (`console/config/reference.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Section(BaseModel):
    """One table of a TOML file. Unknown keys are refused (a typo never passes silently); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FieldProblem(ValueError):
    """Raised by a validator to blame a key below the one being validated (`loc` is relative to it)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


#: A number: an integer or a decimal in the file; text ("5") and true/false are refused.
Float = Annotated[float, Field(strict=True)]
#: A whole number: text, true/false and decimals (2.0) are refused.
Int = Annotated[int, Field(strict=True)]
#: Text with something in it (surrounding blanks removed).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), Field(strict=True)]
