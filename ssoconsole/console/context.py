"""Template context shared by every console page."""


def console(request):
    return {}
