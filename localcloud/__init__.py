"""The local cloud: moto's server plus the parts of AWS moto does not play, driven by template.yaml.

Never deployed (it lives outside src/); `make run` starts it, the end-to-end tests drive it over HTTP.
"""
