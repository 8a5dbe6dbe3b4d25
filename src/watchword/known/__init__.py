"""What is known to be legitimate: our lists of sites everyone uses and MISP's warninglists.

Asked by clustering (a known site never links two reports on its own) and by
sharing (a known value is never shared as bad); both import it, it imports neither.
"""
