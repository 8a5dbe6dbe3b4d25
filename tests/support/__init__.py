"""What test modules share: settings, message builders, seeded stores and page helpers.

Test modules import helpers from here, never from each other, so that moving a test file
breaks nothing and no test module is collected twice.
"""
