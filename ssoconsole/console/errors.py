from django.http import HttpResponseForbidden


def csrf_failure(request, reason=""):
    return HttpResponseForbidden("The form expired or was sent from another site. Reload the page and try again.")
