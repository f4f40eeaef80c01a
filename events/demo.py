"""The events demo content; filled in by the events issue."""


def load(stdout=None):
    return None
