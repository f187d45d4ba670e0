"""Use cases over the register. Each takes a session (or a Register) and returns plain data.

The command line and the desktop client both call these; nothing here imports Qt.
"""
