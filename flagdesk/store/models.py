"""The register as typed SQLAlchemy 2 models.

Money is integer pence (BigInteger: council totals exceed 2**31 pence), dates are dates. Every
editable record carries a ``version`` used for optimistic concurrency (see services).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints from the first revision, so later migrations can alter them on both back ends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class Versioned:
    """Optimistic-concurrency counter, bumped by every write through the services."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())
    updated_by: Mapped[str | None] = mapped_column(String(120))


class Partner(Versioned, Base):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    region: Mapped[str | None] = mapped_column(String(120))
    org_code: Mapped[str | None] = mapped_column(String(300))  # e.g. opendatacommunities URI or ODS code

    contracts: Mapped[list[Contract]] = relationship(back_populates="partner")


class Supplier(Versioned, Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    # Normalised name (case, punctuation, legal form removed): the exact-match key for resolution.
    name_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    company_number: Mapped[str | None] = mapped_column(String(12), index=True)
    charity_number: Mapped[str | None] = mapped_column(String(20))
    is_sme: Mapped[bool | None] = mapped_column(Boolean)
    is_vcse: Mapped[bool | None] = mapped_column(Boolean)
    postcode: Mapped[str | None] = mapped_column(String(12))
    # A merged-away supplier stays as a row pointing at the one it was merged into (reversible).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)

    aliases: Mapped[list[SupplierAlias]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", foreign_keys="SupplierAlias.supplier_id"
    )


class SupplierAlias(Base):
    """Every spelling seen in an import, so resolution and review keep the evidence."""

    __tablename__ = "supplier_alias"
    __table_args__ = (UniqueConstraint("supplier_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))

    supplier: Mapped[Supplier] = relationship(back_populates="aliases", foreign_keys=[supplier_id])


class SupplierMerge(Base):
    """A recorded merge with what it moved, so an unmerge restores contracts exactly."""

    __tablename__ = "supplier_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    by: Mapped[str | None] = mapped_column(String(120))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Specification(Versioned, Base):
    __tablename__ = "specification"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="outcome_based")
    category: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[Any]] = mapped_column(default=list)
    social_value: Mapped[list[Any]] = mapped_column(default=list)
    sustainability: Mapped[list[Any]] = mapped_column(default=list)

    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="specification", cascade="all, delete-orphan", order_by="Outcome.position"
    )


class Outcome(Base):
    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("specification.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    statement: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(Text, default="")
    evidence_source: Mapped[str] = mapped_column(Text, default="")

    specification: Mapped[Specification] = relationship(back_populates="outcomes")


class ImportBatch(Base):
    """One applied import: undoable as a unit through its recorded changes."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    sheet: Mapped[str | None] = mapped_column(String(200))
    profile: Mapped[str | None] = mapped_column(String(80))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied | undone
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportChange(Base):
    """What a batch did to one record, with the record's state before, for exact undo."""

    __tablename__ = "import_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # insert | update
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MappingProfile(Base):
    """A column mapping saved per partner and header layout, reused next quarter."""

    __tablename__ = "mapping_profile"
    __table_args__ = (UniqueConstraint("partner_id", "signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    signature: Mapped[str] = mapped_column(String(64))  # hash of the normalised header row
    name: Mapped[str] = mapped_column(String(120), default="")
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Contract(Versioned, Base):
    __tablename__ = "contract"
    __table_args__ = (
        Index("ix_contract_partner_end", "partner_id", "end_date"),
        UniqueConstraint("partner_id", "identity_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200), default="", index=True)
    title: Mapped[str] = mapped_column(String(1000), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(200))  # council category label as published
    total_value_pence: Mapped[int | None] = mapped_column(BigInteger)
    annual_value_pence: Mapped[int | None] = mapped_column(BigInteger)
    irrecoverable_vat_pence: Mapped[int | None] = mapped_column(BigInteger)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    max_end_date: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    notice_period_days: Mapped[int | None] = mapped_column(Integer)
    procurement_route: Mapped[str | None] = mapped_column(String(40))
    contract_type: Mapped[str | None] = mapped_column(String(40))
    # Indexed: deleting a contract (import undo) checks this self-reference for every row deleted.
    parent_framework_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract.id", ondelete="SET NULL"), index=True
    )
    reuse_rights: Mapped[str] = mapped_column(String(40), default="none")
    reuse_partner_kinds: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")
    owner: Mapped[str | None] = mapped_column(String(200))
    specification_id: Mapped[int | None] = mapped_column(ForeignKey("specification.id", ondelete="SET NULL"))
    # Import identity: a reference alone is not unique in real registers (lots, several suppliers).
    identity_key: Mapped[str | None] = mapped_column(String(64))
    source_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_sheet: Mapped[str | None] = mapped_column(String(200))
    source_row: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # unmapped columns kept as published
    # Lower-cased title, description, reference and supplier names: one indexed-free LIKE target.
    search_text: Mapped[str] = mapped_column(Text, default="")

    partner: Mapped[Partner] = relationship(back_populates="contracts")
    supplier_links: Mapped[list[ContractSupplier]] = relationship(
        cascade="all, delete-orphan", order_by="ContractSupplier.position"
    )
    cpv_links: Mapped[list[ContractCpv]] = relationship(cascade="all, delete-orphan", order_by="ContractCpv.position")
    reuse_partner_links: Mapped[list[ContractReusePartner]] = relationship(cascade="all, delete-orphan")


class ContractSupplier(Base):
    __tablename__ = "contract_supplier"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The name as the partner published it, kept so an unmerge can restore the original link.
    name_as_published: Mapped[str | None] = mapped_column(String(300))

    supplier: Mapped[Supplier] = relationship()


class ContractCpv(Base):
    __tablename__ = "contract_cpv"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)  # 'NNNNNNNN-D'
    position: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(12), default="published")  # published | suggested
    confidence: Mapped[float | None] = mapped_column(Float)


class ContractReusePartner(Base):
    """Partners named as allowed to call off this contract (reuse_rights = named_partners)."""

    __tablename__ = "contract_reuse_partner"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)


class Opportunity(Versioned, Base):
    """A found opportunity; the id is derived from its contracts so re-analysis keeps status and notes."""

    __tablename__ = "opportunity"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="identified")
    status_note: Mapped[str | None] = mapped_column(Text)
    lead_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    combined_annual_value_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    estimated_saving_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    proposed_start: Mapped[date | None] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    assumptions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    specification_id: Mapped[int | None] = mapped_column(ForeignKey("specification.id", ondelete="SET NULL"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)  # found by the latest analysis
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contract_links: Mapped[list[OpportunityContract]] = relationship(cascade="all, delete-orphan")


class OpportunityContract(Base):
    __tablename__ = "opportunity_contract"

    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")  # member | vehicle (reuse source)


class RealisedSaving(Base):
    __tablename__ = "realised_saving"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEvent(Base):
    """Who changed which field of which record from what to what, when, in which batch."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    user: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(20))  # insert | update | delete | merge | unmerge | undo
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))


class Setting(Base):
    """Key-value settings kept with the register (savings assumptions, ocid prefix)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class UserPartner(Base):
    """Which partners a shared-register login may edit; read by the row-level security policies."""

    __tablename__ = "user_partner"

    login: Mapped[str] = mapped_column(String(63), primary_key=True)  # PostgreSQL role names are <= 63 bytes
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_by: Mapped[str | None] = mapped_column(String(120))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
