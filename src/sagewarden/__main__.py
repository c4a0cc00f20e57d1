from sagewarden.cli import run

run()
