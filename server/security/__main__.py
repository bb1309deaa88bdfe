"""`python -m server.security`: the roles and permissions tables for docs/security.md."""

from server.security import permissions, roles

print("<!-- roles -->", roles.markdown().rstrip(), "<!-- /roles -->", "", "<!-- permissions -->",
      permissions.markdown().rstrip(), "<!-- /permissions -->", sep="\n")
