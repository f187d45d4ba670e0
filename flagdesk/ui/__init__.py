"""The desktop client (PySide6). Presents and asks the services; holds no SQL and no business rules."""
