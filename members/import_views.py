urlpatterns = []  # roster import: template, upload, preview, confirm, progress
