"""PySide6 desktop console: asks the core's services to act; holds no SQL and no business rule."""
