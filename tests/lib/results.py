"""results.py: the counting of the Python end-to-end tests, printed as every test of
the suite prints it (ok / FAIL / skip lines, then "N passed, N failed[, N skipped]")."""
N = {"pass": 0, "fail": 0, "skip": 0}


def ok(name):
    N["pass"] += 1
    print("ok   " + name)


def fail(name, why):
    N["fail"] += 1
    print("FAIL %s: %s" % (name, why))


def skip(name, why):
    N["skip"] += 1
    print("skip %s: %s" % (name, why))


def summary():
    """Print the closing line; the exit status: 1 if anything failed."""
    print("%d passed, %d failed%s" % (N["pass"], N["fail"],
                                      ", %d skipped" % N["skip"] if N["skip"] else ""))
    return 1 if N["fail"] else 0
