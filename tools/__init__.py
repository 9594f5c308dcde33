"""Developer tools: the local launcher (tools.run) and the test runner (tools.test)."""
