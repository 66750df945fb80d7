urlpatterns = []  # member cards: sheet PDF, batch job, public verification page
