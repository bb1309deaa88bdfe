"""Tags and branches: create, list, delete, and how far a branch is from the default one."""

from __future__ import annotations

import time

from dulwich.graph import find_merge_base
from dulwich.objects import Commit, Tag

from .errors import AlreadyExists, NotFound, Precondition
from .history import changed_paths
from .models import Author, BranchInfo, RefOwner, TagInfo
from .repository import Repository, utc


def create_tag(repo: Repository, name: str, ref: str | None, *, message: str | None,
               tagger: Author | None, owner: RefOwner | None) -> TagInfo:
    """A lightweight tag, or an annotated one when ``message`` is given; ``owner`` is
    recorded beside it (see :meth:`Repository.ref_owner`)."""
    tag_ref = repo.tag_ref(name)
    target = repo.resolve(ref or repo.default_branch)
    with repo.lock.hold():
        value = target
        if message is not None:
            tag = Tag()
            tag.name = name.encode()
            tag.object = (Commit, target)
            tag.tagger = (tagger or repo.committer).identity()
            tag.tag_time = int(time.time())
            tag.tag_timezone = 0
            tag.message = message.encode() + (b"" if message.endswith("\n") else b"\n")
            repo.add_objects([tag])
            value = tag.id
        if not repo.repo.refs.add_if_new(tag_ref, value):
            raise AlreadyExists(f"tag {name!r} already exists", subject=name)
        repo.record_owner(tag_ref, owner)
    repo.notify("ref")
    return _tag_info(repo, name, value)


def _tag_info(repo: Repository, name: str, value: bytes) -> TagInfo:
    obj = repo.get(value)
    if isinstance(obj, Tag):
        return TagInfo(name=name, commit_id=obj.object[1].decode(), annotated=True,
                       message=obj.message.decode().rstrip("\n"),
                       tagger=Author.parse(obj.tagger), time=utc(obj.tag_time))
    return TagInfo(name=name, commit_id=value.decode(), annotated=False)


def list_tags(repo: Repository) -> list[TagInfo]:
    return [_tag_info(repo, n.decode(), v)
            for n, v in sorted(repo.repo.refs.as_dict(b"refs/tags").items())]


def tags_by_commit(repo: Repository) -> dict[str, list[str]]:
    """commit id -> the tags naming it (annotated tags peeled)."""
    out: dict[str, list[str]] = {}
    for name, sha in repo.repo.refs.as_dict(b"refs/tags").items():
        try:
            out.setdefault(repo.commit_object(sha).id.decode(), []).append(name.decode())
        except NotFound:
            continue
    return out


def _remove_ref(repo: Repository, ref: bytes, kind: str, name: str) -> None:
    """`ref` and its recorded maker gone together (inside the writer lock); NotFound when absent."""
    if repo.ref_value(ref) is None:
        raise NotFound(f"{kind} {name!r} does not exist", subject=name)
    repo.repo.refs.remove_if_equals(ref, None)
    repo.forget_owner(ref)


def delete_tag(repo: Repository, name: str) -> None:
    tag_ref = repo.tag_ref(name)
    with repo.lock.hold():
        _remove_ref(repo, tag_ref, "tag", name)
    repo.notify("ref")


def create_branch(repo: Repository, name: str, from_ref: str | None, owner: RefOwner | None) -> BranchInfo:
    """A draft branch starting at ``from_ref`` (default: the default branch head)."""
    ref = repo.branch_ref(name)
    start = repo.resolve(from_ref or repo.default_branch)
    with repo.lock.hold():
        if not repo.repo.refs.add_if_new(ref, start):
            raise AlreadyExists(f"branch {name!r} already exists", subject=name)
        repo.record_owner(ref, owner)
        repo.sync(name, start)
    repo.notify("ref")
    return _branch_info(repo, name, start)


def _branch_info(repo: Repository, name: str, head: bytes) -> BranchInfo:
    base = repo.head(repo.default_branch)
    ahead, behind = _count_between(repo, head, base), _count_between(repo, base, head)
    return BranchInfo(name=name, head=head.decode(), ahead=ahead, behind=behind)


def _count_between(repo: Repository, include: bytes, exclude: bytes) -> int:
    """Commits reachable from ``include`` but not from ``exclude``."""
    if include == exclude:
        return 0
    return sum(1 for _ in repo.repo.get_walker(include=[include], exclude=[exclude]))


def list_branches(repo: Repository) -> list[BranchInfo]:
    """Every branch with its head and ahead/behind counts against the default branch."""
    return [_branch_info(repo, n.decode(), v)
            for n, v in sorted(repo.repo.refs.as_dict(b"refs/heads").items())]


def ahead_behind(repo: Repository, branch: str, base: str | None) -> tuple[int, int]:
    """(commits on ``branch`` not on ``base``, commits on ``base`` not on ``branch``)."""
    a, b = repo.resolve(branch), repo.resolve(base or repo.default_branch)
    return _count_between(repo, a, b), _count_between(repo, b, a)


def delete_branch(repo: Repository, name: str) -> None:
    if name == repo.default_branch:
        raise Precondition(f"the default branch {name!r} cannot be deleted", subject=name)
    ref = repo.branch_ref(name)
    with repo.lock.hold():
        _remove_ref(repo, ref, "branch", name)
        repo.index.drop_branch(name)
    repo.notify("ref")


def ref_changes(repo: Repository, ref: str) -> list[str]:
    """The paths a ref carries: for a branch, what it changed since it left the default
    branch (its merge base); for a tag, what the tagged commit changed."""
    if ref.startswith("refs/heads/"):
        head = repo.head(ref.removeprefix("refs/heads/"))
        bases = find_merge_base(repo.repo, [head, repo.head(repo.default_branch)])
        base = bases[0] if bases else None
    else:
        head = repo.resolve(ref)
        parents = repo.commit_object(head).parents
        base = parents[0] if parents else None
    old_tree = repo.tree_of(base) if base is not None else None
    return sorted(p for p, _ in changed_paths(repo.repo.object_store, old_tree, repo.tree_of(head)))
