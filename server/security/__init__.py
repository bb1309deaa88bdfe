"""The security layer: who is calling (authn, tokens, jwtauth), what each role may do
(permissions, roles), where (scope), what was done (audit), and how often (limits).

The auth interceptor applies all of it per call before a servicer runs. Domain code needs only:

    from server import context
    from server.security import authorize, visible

    caller = context.current().caller
    authorize(caller, "resources.apply", cluster, namespace)  # each object a call changes
    [o for o in objects if visible(caller, o.cluster, o.namespace)]  # reads spanning clusters
    context.commit_author()  # the author of every commit the call makes

See docs/security.md.
"""

from server.security.permissions import Permission
from server.security.scope import authorize, require, visible

__all__ = ["Permission", "authorize", "require", "visible"]
