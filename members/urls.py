from django.urls import include, path

from . import card_views, committee_views, import_views, views

app_name = "members"
urlpatterns = [
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("", include(views.roster_urlpatterns)),
    path("import/", include(import_views.urlpatterns)),
    path("", include(card_views.urlpatterns)),
    path("", include(committee_views.urlpatterns)),
]
