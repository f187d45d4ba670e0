"""The main views the window hosts; each is `XView(app)` with `title` and `refresh()`."""
