"""Administration in the browser: staff accounts (admin) and the card office's long work (registrar).

`staff` and `card_office` are the services the pages and the command line share; `views` and
`office_views` only parse, call them and render.
"""
