from django.urls import include, path

from . import body_views, proposal_views, session_views

app_name = "congress"
urlpatterns = [
    path("", include(body_views.urlpatterns)),
    path("sessions/", include(session_views.urlpatterns)),
    path("proposals/", include(proposal_views.urlpatterns)),
]
