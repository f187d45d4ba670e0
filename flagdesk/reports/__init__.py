"""Documents and open data out of the register: commissioning packs (PDF), annex workbooks, exports.

Everything here consumes plain data (``packdata``, ``exports.ExportRow``); nothing opens the database.
"""
