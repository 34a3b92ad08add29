"""The embedded local stack behind `make dev`: moto server, localstripe and a local API gateway."""
