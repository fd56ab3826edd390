"""The only code that talks to AWS: repositories, stores and publishers behind the domain's interfaces."""
