"""Engines: fast paths behind the public functions, each tested against the readable spec it implements."""
