from django.urls import path

from satudata.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    path("kunci-api/", views.api_keys, name="api_keys"),
    path("kunci-api/<int:pk>/cabut/", views.revoke_api_key, name="api_key_revoke"),
]
