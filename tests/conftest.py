"""Report the fixture-backed checks a run did not do (no `../shared/fixtures`), right above pytest's closing line."""


def pytest_terminal_summary(terminalreporter):
    skipped = {}
    for key in ("passed", "failed"):
        for rep in terminalreporter.stats.get(key, []):
            for name, value in getattr(rep, "user_properties", []):
                if name.startswith("fixture_") and value and rep.when == "call": skipped[rep.nodeid.split("::")[-1]] = (name, value)
    if skipped:
        terminalreporter.section("fixture-backed checks not run (no ../shared/fixtures; set TOOLFT_FIXTURES to run them)")
        for test, (name, n) in sorted(skipped.items()): terminalreporter.write_line(f"{test}: {n} {name.removeprefix('fixture_').replace('_', ' ')}")
        terminalreporter.write_line(f"total: {sum(n for _, n in skipped.values())}")
