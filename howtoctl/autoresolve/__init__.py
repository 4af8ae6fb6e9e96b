"""`rebase-all --auto-resolve`: merge what git could not, and keep a merge only when verified.

resolver.py tries each method on a conflicted branch and runs the checks in order; attempt.py
holds a candidate's verdict; smoke_check.py runs its smoke test and mutants; merge_tools.py
runs wiggle and patch on one file; intent.py says whether a merge still makes the HOWTO's
change; verify.py holds the other checks (compiles, names, removals, round trip).
"""
