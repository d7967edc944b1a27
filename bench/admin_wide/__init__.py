"""A bench-only Django app: a 300-field model shaped like the sandbox's Wide_Module, so Django
admin's change view can be timed against our edit form. Registered only by bench/settings.py."""
