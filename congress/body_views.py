urlpatterns = []  # bodies, terms, representatives, delegations, composition checks
