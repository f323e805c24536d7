"""PySide6 desktop console: asks the core for named operations (`console.ops`); holds no SQL, no database session and
no business rule."""
