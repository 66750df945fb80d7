from django.urls import include, path

from . import card_views, committee_views, import_views, my_views, person_views, views

app_name = "members"
urlpatterns = [
    path("", include(views.urlpatterns)),
    path("", include(person_views.urlpatterns)),
    path("", include(my_views.urlpatterns)),
    path("import/", include(import_views.urlpatterns)),
    path("", include(card_views.urlpatterns)),
    path("", include(committee_views.urlpatterns)),
]
