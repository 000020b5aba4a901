"""The example plug-in distributions are separate projects: pytest does not collect them here.

``test_example_distribution.py`` installs them and runs their own tests in a subprocess.
"""

collect_ignore = ["example_dist", "broken_dist"]
