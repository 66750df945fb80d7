urlpatterns = []  # sessions: agenda, documents, sign-in, quorum, joint meetings, resolutions
