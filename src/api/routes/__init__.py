"""The routes of each API function, one powertools Router per context (the function's module in handlers/ builds
the resolver and includes them). Route bodies call one service method of the context's wiring and map its answer to
the context's HTTP schemas (api/<context>_schemas.py); who may call is declared on the route (api.authorization)."""
