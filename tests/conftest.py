pytest_plugins = [
    "tests.fixtures.users",
    "tests.fixtures.sandbox",
    "tests.fixtures.connections",
    "tests.fixtures.browser",
    "tests.fixtures.zoho_http",
]
