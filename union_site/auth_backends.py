from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class StaffNumberBackend(ModelBackend):
    """Log in with the username or the staff number (工号), case-insensitively for the username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        login = username.strip()
        users = list(User._default_manager.filter(Q(username__iexact=login) | Q(staff_no=login))[:2])
        if len(users) != 1:
            User().set_password(password)  # same work either way: no timing oracle
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
