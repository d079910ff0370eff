# Every test tree (tests/, services/*/tests/) shares the fixtures of this plugin.
pytest_plugins = ["shared.testing.fixtures"]
