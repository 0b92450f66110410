"""The controlled vocabularies of gutbone, read from ``ontology/gutbone.ttl``.

The ontology file is the single source of truth: categories (node classes), predicates,
and evidence types with their weights. Curation checks tables against it, the RDF build
uses its IRIs and path ranking uses its weights.

>>> v = load_vocabulary()
>>> v.is_category("ImmuneCell"), v.category_ancestors("ImmuneCell")
(True, ('ImmuneCell', 'CellType', 'Entity'))
>>> v.predicates["decreases"].required_sign
-1
>>> v.predicates["associated_with"].associative, v.predicates["increases"].associative
(True, False)
>>> str(v.evidence_types["mendelian_randomization"].weight)
'0.8'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from gutbone.resources import VOCAB, ontology_dir

__all__ = [
    "GB",
    "MEASURES",
    "MODEL_SYSTEMS",
    "ModelSystem",
    "Predicate",
    "EvidenceType",
    "Vocabulary",
    "load_vocabulary",
    "ontology_graph",
]

GB = Namespace(VOCAB)

#: Effect measures an assertion may carry.
MEASURES: tuple[str, ...] = ("MD", "SMD", "RR", "OR", "RD", "MR_beta", "proportion_mediated")

HUMAN, MOUSE, RAT = "NCBITaxon:9606", "NCBITaxon:10090", "NCBITaxon:10116"


@dataclass(frozen=True)
class ModelSystem:
    """A ``model_system`` edge column value; its name is its key in :data:`MODEL_SYSTEMS`.

    ``species`` is the NCBITaxon CURIE the system implies (an edge's ``species`` must then
    be that one), or ``""`` when the system does not fix a species.
    """

    description: str
    species: str = ""


#: The study systems an assertion can rest on (``model_system`` column, documented in
#: ``data/README.md``), by name.
MODEL_SYSTEMS: dict[str, ModelSystem] = {
    "human": ModelSystem("human participants, design not given", HUMAN),
    "human_rct": ModelSystem("randomised controlled trial(s) in humans", HUMAN),
    "human_observational": ModelSystem("human cohort, case-control or cross-sectional", HUMAN),
    "human_genetic": ModelSystem("human genetic study (GWAS, Mendelian randomisation)", HUMAN),
    "mouse": ModelSystem("mice, no special colonisation or surgery", MOUSE),
    "germ_free_mouse": ModelSystem("germ-free mice (or colonised ex-germ-free)", MOUSE),
    "gnotobiotic_mouse": ModelSystem("mice colonised with a defined community", MOUSE),
    "antibiotic_treated_mouse": ModelSystem("antibiotic-depleted microbiota", MOUSE),
    "ovariectomised_mouse": ModelSystem("ovariectomised (oestrogen-deficient) mice", MOUSE),
    "knockout_mouse": ModelSystem("genetically modified (knockout or transgenic) mice", MOUSE),
    "rat": ModelSystem("rats, no special model", RAT),
    "ovariectomised_rat": ModelSystem("ovariectomised (oestrogen-deficient) rats", RAT),
    "in_vitro": ModelSystem("cells or tissue in culture (species in the species column)"),
    "bacterial_culture": ModelSystem("bacteria grown in culture"),
    "genome_analysis": ModelSystem("prediction from genome sequences"),
    "pathway_diagram": ModelSystem("an interaction drawn in a curated pathway diagram"),
}


@dataclass(frozen=True)
class Predicate:
    """A node-to-node predicate of the vocabulary."""

    name: str
    iri: str
    label: str
    required_sign: int | None
    #: True when the predicate (or a super-predicate) is ``gb:associative``: a statistical
    #: association, not a causal or mechanistic link (a path through it has no net sign)
    associative: bool = False
    #: the predicate never relates a node to itself (``owl:IrreflexiveProperty``)
    irreflexive: bool = False


@dataclass(frozen=True)
class EvidenceType:
    """A kind of evidence with its ranking weight (0-1) and its level (higher = stronger)."""

    name: str
    iri: str
    label: str
    weight: Decimal
    rank: int


@dataclass(frozen=True)
class Vocabulary:
    """Categories, predicates and evidence types of the gutbone ontology."""

    categories: dict[str, str | None]
    predicates: dict[str, Predicate]
    evidence_types: dict[str, EvidenceType]

    def is_category(self, name: str) -> bool:
        """Whether ``name`` is a node category."""
        return name in self.categories

    def category_ancestors(self, name: str) -> tuple[str, ...]:
        """The category itself and its super-categories, nearest first."""
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in chain:
            chain.append(current)
            current = self.categories.get(current)
        return tuple(chain)

    def category_iri(self, name: str) -> str:
        """IRI of a category."""
        return VOCAB + name

    @property
    def associative_predicates(self) -> frozenset[str]:
        """Predicates that state an association, not a mechanism (``gb:associative``)."""
        return frozenset(name for name, p in self.predicates.items() if p.associative)


@cache
def ontology_graph() -> Graph:
    """The parsed vocabulary (``ontology/gutbone.ttl``)."""
    graph = Graph()
    graph.parse(ontology_dir() / "gutbone.ttl", format="turtle")
    return graph


def _local(iri: URIRef) -> str:
    return str(iri)[len(VOCAB) :]


@cache
def load_vocabulary() -> Vocabulary:
    """Read categories, predicates and evidence types from the ontology."""
    graph = ontology_graph()
    association_classes = {
        GB.Association, GB.EffectEstimate, GB.Source, GB.EvidenceType, GB.Discrepancy,
        GB.ReportedClaim,
    }  # fmt: skip
    categories: dict[str, str | None] = {}
    for cls in graph.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, URIRef) or cls in association_classes:
            continue
        parent = graph.value(cls, RDFS.subClassOf)
        categories[_local(cls)] = _local(parent) if isinstance(parent, URIRef) else None

    predicates: dict[str, Predicate] = {}
    for prop in graph.subjects(RDFS.subPropertyOf, None):
        if not isinstance(prop, URIRef) or not str(prop).startswith(VOCAB):
            continue
        if not _descends_from(graph, prop, GB.relation):
            continue
        sign = graph.value(prop, GB.requiredSign)
        predicates[_local(prop)] = Predicate(
            name=_local(prop),
            iri=str(prop),
            label=str(graph.value(prop, RDFS.label)),
            required_sign=int(sign.toPython()) if isinstance(sign, Literal) else None,
            associative=_is_associative(graph, prop),
            irreflexive=(prop, RDF.type, OWL.IrreflexiveProperty) in graph,
        )

    evidence: dict[str, EvidenceType] = {}
    for individual in graph.subjects(RDF.type, GB.EvidenceType):
        assert isinstance(individual, URIRef)
        weight = graph.value(individual, GB.evidenceWeight)
        rank = graph.value(individual, GB.evidenceRank)
        assert isinstance(weight, Literal) and isinstance(rank, Literal)
        evidence[_local(individual)] = EvidenceType(
            name=_local(individual),
            iri=str(individual),
            label=str(graph.value(individual, RDFS.label)),
            weight=Decimal(str(weight)),
            rank=int(rank.toPython()),
        )
    return Vocabulary(
        categories=dict(sorted(categories.items())),
        predicates=dict(sorted(predicates.items())),
        evidence_types=dict(sorted(evidence.items(), key=lambda item: -item[1].rank)),
    )


def _is_associative(graph: Graph, prop: URIRef) -> bool:
    """Whether ``prop`` or one of its super-properties is marked ``gb:associative true``."""
    seen: set[URIRef] = set()
    current: URIRef | None = prop
    while current is not None and current not in seen:
        seen.add(current)
        flag = graph.value(current, GB.associative)
        if isinstance(flag, Literal) and flag.toPython() is True:
            return True
        parent = graph.value(current, RDFS.subPropertyOf)
        current = parent if isinstance(parent, URIRef) else None
    return False


def _descends_from(graph: Graph, prop: URIRef, root: URIRef) -> bool:
    seen: set[URIRef] = set()
    current: URIRef | None = prop
    while current is not None and current not in seen:
        seen.add(current)
        parent = graph.value(current, RDFS.subPropertyOf)
        if parent == root:
            return True
        current = parent if isinstance(parent, URIRef) else None
    return False
