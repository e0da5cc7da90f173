"""Moving a child between townships: every write, each with its audit row (docs/registry-ui.md,
"Moving between townships").

Registering an ID number already on record outside the user's jurisdiction stops with one
sentence — 该身份证号已在本县其他地区登记，可申请迁入 — and nothing else about the child; the attempt
is audited (`registration_elsewhere`). The user may then ask for the child to move to a village of
theirs with the new address (`transfer_request`); the supervisor of the township the child lives
in now, or a county caseworker, confirms or refuses (`transfer_decide`). On confirmation the
child's residence and address change in the same transaction as the decision: the child keeps its
record, so its history of facts, documents, screening results and intakes follow it, and
`signals.child_moved` lets casework re-route its open referrals and waiting suggestions to the new
township's window. Who may ask, decide and see is decided in `shouhu/access/transfers.py`; the
other side hears of it through the bell (`core.notifications.notify`) after commit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from shouhu.access import may_decide_transfer, may_request_transfer_to, may_see_child
from shouhu.accounts.models import Role, User
from shouhu.core import audit
from shouhu.core.notifications import notify
from shouhu.regions.models import Level, Region

from .identity import mask_id_number, normalise_id_number
from .models import Child, ChildStatus, ChildTransfer, TransferState
from .services import ConcurrentEditError, find_by_id_number
from .signals import child_moved

REGISTERED_ELSEWHERE = "该身份证号已在本县其他地区登记，可申请迁入"


def registered_elsewhere(actor: User, id_number: str) -> Child | None:
    """The child holding `id_number` when it is outside what `actor` may see (None otherwise)."""
    found = find_by_id_number(normalise_id_number(id_number))
    return found if found is not None and not may_see_child(actor, found) else None


@transaction.atomic
def registration_elsewhere(*, actor: User, child: Child) -> None:
    """Someone tried to register a child already registered outside their jurisdiction: audited
    (the registration itself was refused and rolled back)."""
    audit.record(
        actor=actor,
        action="children.register_elsewhere",
        target=child,
        summary=f"尝试登记已在其他地区登记的儿童（{child.id_number_masked}）",
        detail={"actor_region": actor.region.code if actor.region else ""},
    )


def _deciders(transfer: ChildTransfer) -> list[User]:
    """Who hears of a new request: the supervisors of the child's township, else the county's
    caseworkers."""
    township = transfer.from_region.parent or transfer.from_region
    supervisors = list(User.objects.filter(role=Role.TOWNSHIP_SUPERVISOR, region=township, is_active=True))
    return supervisors or list(User.objects.filter(role=Role.CASEWORKER, is_active=True))


def _link(transfer: ChildTransfer) -> str:
    return reverse("registry:transfer_detail", kwargs={"transfer_id": transfer.pk})


@transaction.atomic
def transfer_request(
    *, actor: User, id_number: str, name: str, to_region: Region, address: str, reason: str = ""
) -> ChildTransfer:
    """Ask for the child holding `id_number` to move to `to_region` (a village of the asker's) at
    `address`. Refused when the child is within the asker's own jurisdiction (change its residence
    instead) or already has a request waiting. Audited; the deciders are notified after commit."""
    number = normalise_id_number(id_number or "")
    if to_region.level != Level.VILLAGE:
        raise ValidationError({"to_region": "「迁入村（社区）」请选择到村（社区）一级"})
    if not may_request_transfer_to(actor, to_region):
        raise PermissionDenied(f"{to_region.name} 不在您的辖区内")
    if not name.strip():
        raise ValidationError({"name": "「姓名」不能为空"})
    if not address.strip():
        raise ValidationError({"address": "「新住址」不能为空"})
    child = find_by_id_number(number) if number else None
    if child is None:
        raise ValidationError({"id_number": "「身份证号」：本县没有该身份证号的登记，请直接登记儿童"})
    if may_see_child(actor, child):
        raise ValidationError({"id_number": "「身份证号」：该儿童在您的辖区内，请在其档案中修改居住地"})
    if child.status != ChildStatus.ACTIVE:
        raise ValidationError({"id_number": "「身份证号」：该档案已销档，请联系县民政局"})
    transfer = ChildTransfer(
        child=child,
        from_region=child.region,
        from_code=child.region_code,
        to_region=to_region,
        to_code=to_region.code,
        name_given=name.strip()[:50],
        address=address.strip(),
        reason=reason.strip()[:300],
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError({"id_number": "「身份证号」：该儿童已有待确认的迁入申请"}) from None
    audit.record(
        actor=actor,
        action="children.transfer_request",
        target=child,
        summary=f"申请将 {transfer.name_given}（{mask_id_number(number)}）迁入 {to_region.name}",
        detail={"transfer": transfer.pk, "to": to_region.code, "from": child.region_code},
    )
    transaction.on_commit(
        lambda: notify(
            recipients=_deciders(transfer),
            kind="transfer.request",
            link=_link(transfer),
            title=f"迁入申请待确认：{child.name} 申请迁入 {to_region.name}",
            body=f"申请人：{actor}",
            dedupe_key=f"transfer.request.{transfer.pk}",
        )
    )
    return transfer


@transaction.atomic
def transfer_decide(*, actor: User, transfer: ChildTransfer, confirm: bool, note: str = "") -> ChildTransfer:
    """Confirm (the child moves, with everything that is its own) or refuse (a reason is needed)
    a waiting request. Audited; the asker is notified after commit."""
    if not may_decide_transfer(actor, transfer):
        raise PermissionDenied("只有儿童现居住乡镇（街道）的督导员或县民政局可以处理该申请")
    note = note.strip()
    if not confirm and not note:
        raise ValidationError({"note": "「处理意见」不同意时必须说明理由"})
    state = TransferState.CONFIRMED if confirm else TransferState.REFUSED
    decided_at = timezone.now()
    updated = ChildTransfer.objects.filter(pk=transfer.pk, state=TransferState.REQUESTED).update(
        state=state, decided_by=actor, decided_at=decided_at, decision_note=note[:300], updated_at=decided_at
    )
    if updated != 1:
        raise ValidationError("该申请已由他人处理，请刷新页面查看")
    transfer.state, transfer.decided_by, transfer.decided_at, transfer.decision_note = state, actor, decided_at, note
    child = transfer.child
    follow_ups: list[str] = []
    if confirm:
        follow_ups = _move(actor=actor, transfer=transfer, child=child)
    before, after = transfer.from_region, transfer.to_region
    audit.record(
        actor=actor,
        action="children.transfer_confirm" if confirm else "children.transfer_refuse",
        target=child,
        summary=(
            f"确认 {child.name} 由 {before.name} 迁入 {after.name}"
            if confirm
            else f"不同意 {child.name} 迁入 {after.name}：{note}"
        ),
        detail={
            "transfer": transfer.pk,
            "from": before.code,
            "to": after.code,
            "note": note,
            "followed": follow_ups,
        },
    )
    requester = transfer.requested_by
    title = (
        f"迁入申请已确认：{child.name} 已迁入 {after.name}"
        if confirm
        else f"迁入申请未获同意：{transfer.name_given}（{note}）"
    )
    link = reverse("registry:detail", kwargs={"child_id": child.pk}) if confirm else _link(transfer)
    transaction.on_commit(
        lambda: notify(
            recipients=[requester], kind=f"transfer.{state}", link=link, title=title, body=" ".join(follow_ups)
        )
    )
    transfer.follow_ups = tuple(follow_ups)
    return transfer


def _move(*, actor: User, transfer: ChildTransfer, child: Child) -> list[str]:
    """The child's residence (and address) to the new village, under the child's optimistic lock;
    what follows it elsewhere is done by `child_moved`'s receivers in this transaction."""
    locked = Child.objects.filter(Q(region_id=transfer.from_region_id), pk=child.pk, version=child.version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if locked != 1:
        child.refresh_from_db()
        if child.region_id != transfer.from_region_id:
            raise ValidationError("该儿童的居住地在申请后已改变，不能再确认本申请；请选择不同意并说明")
        raise ConcurrentEditError()
    child.version += 1
    child.region, child.region_code = transfer.to_region, transfer.to_code
    fields = ["region", "region_code"]
    if transfer.address:
        child.address, fields = transfer.address, [*fields, "address"]
    child.save(update_fields=fields)
    responses = child_moved.send(
        sender=Child, child=child, before=transfer.from_region, after=transfer.to_region, actor=actor
    )
    return [line for _receiver, line in responses if isinstance(line, str) and line]
