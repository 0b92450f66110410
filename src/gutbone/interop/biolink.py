"""The Biolink Model schema (read offline) and gutbone's mapping onto it.

The schema is the YAML file shipped in the ``biolink-model`` PyPI package
(``biolink_model/schema/biolink_model.yaml``); nothing is downloaded. The mapping is read
from ``ontology/gutbone.ttl``: every gutbone category and predicate names its Biolink
counterpart with ``skos:exactMatch``, ``skos:closeMatch`` or ``skos:broadMatch``.

Export (gutbone -> Biolink) takes the exact match, else the close match, else the broad
match. Import (Biolink -> gutbone) is the inverse, with these rules:

* a Biolink term that is the ``exactMatch`` of a gutbone term maps to it;
* otherwise, a Biolink term that is the ``closeMatch`` of gutbone terms maps to the one
  term, or to the nearest common gutbone ancestor of several (``biolink:Protein`` is close
  to Cytokine, Receptor, Enzyme and TranscriptionFactor, so it maps to GeneProduct);
* otherwise the Biolink hierarchy is climbed (``is_a`` and mixins, breadth first) to the
  nearest ancestor that is an ``exactMatch`` (close matches are not inherited: they are
  too loose to cover a whole branch);
* ``biolink:related_to`` is the exact match of ``gb:relation``, which is not a usable
  predicate: a predicate that only reaches it is *unmapped*.

>>> schema = load_biolink_schema()
>>> schema.version.startswith("4.")
True
>>> mapping = load_mapping()
>>> mapping.category_to_biolink["Taxon"], mapping.predicate_to_biolink["produces"]
('biolink:OrganismTaxon', 'biolink:produces')
>>> mapping.category_from_biolink("biolink:Protein")
'GeneProduct'
>>> mapping.predicate_from_biolink("biolink:regulates")
'affects'
>>> mapping.predicate_from_biolink("biolink:develops_from") is None
True
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import SKOS, URIRef

from gutbone.resources import VOCAB
from gutbone.vocabulary import load_vocabulary, ontology_graph

__all__ = [
    "BIOLINK_PREFIX",
    "BIOLINK_IRI",
    "BiolinkElement",
    "BiolinkSchema",
    "BiolinkMapping",
    "load_biolink_schema",
    "biolink_prefix_map",
    "load_mapping",
    "schema_path",
    "class_curie",
    "slot_curie",
    "DIRECTION_SIGN",
    "category_of",
    "predicate_of",
    "predicate_sign",
    "local_name",
]

BIOLINK_PREFIX = "biolink:"
BIOLINK_IRI = "https://w3id.org/biolink/vocab/"
_SKOS_RANK = {SKOS.exactMatch: 0, SKOS.closeMatch: 1, SKOS.broadMatch: 2}
#: Sign of each ``object_direction_qualifier`` value (``DirectionQualifierEnum``).
DIRECTION_SIGN = {"increased": 1, "upregulated": 1, "decreased": -1, "downregulated": -1}
_UP = re.compile(r"(?:^|_)(?:increase[ds]?|positively|upregulates?)(?:_|$)")
_DOWN = re.compile(r"(?:^|_)(?:decrease[ds]?|negatively|downregulates?)(?:_|$)")
_LOCAL = ("gb:", "gutbone:", VOCAB)


def class_curie(name: str) -> str:
    """The ``biolink:CamelCase`` CURIE of a class named as in the schema.

    >>> class_curie("organism taxon"), class_curie("microRNA")
    ('biolink:OrganismTaxon', 'biolink:MicroRNA')
    """
    return BIOLINK_PREFIX + "".join(word[:1].upper() + word[1:] for word in name.split())


def slot_curie(name: str) -> str:
    """The ``biolink:snake_case`` CURIE of a slot named as in the schema.

    >>> slot_curie("related to at instance level")
    'biolink:related_to_at_instance_level'
    """
    return BIOLINK_PREFIX + name.replace(" ", "_")


@dataclass(frozen=True)
class BiolinkElement:
    """A class or a slot of the Biolink Model.

    :param curie: ``biolink:OrganismTaxon`` or ``biolink:produces``.
    :param parents: ``is_a`` parent first, then mixins (CURIEs).
    :param deprecated: whether the schema marks it deprecated.
    :param mixin: whether it is a mixin.
    :param abstract: whether it is abstract.
    :param id_prefixes: the CURIE prefixes the schema lists for a class's ids.
    :param domain: the ``domain`` class CURIE of a slot ("" when none).
    :param range: the ``range`` of a slot (class CURIE, "" when none or a type).
    """

    curie: str
    parents: tuple[str, ...]
    deprecated: bool
    mixin: bool
    abstract: bool
    id_prefixes: tuple[str, ...] = ()
    domain: str = ""
    range: str = ""


@dataclass(frozen=True, eq=False)
class BiolinkSchema:
    """The parts of the Biolink Model that exchange needs.

    :param version: the schema version (e.g. ``4.4.6``).
    :param classes: classes by CURIE.
    :param slots: every slot by CURIE.
    :param predicates: the slots that descend from ``biolink:related_to``, by CURIE.
    :param enums: permissible values of each enum, by enum name.
    """

    version: str
    classes: Mapping[str, BiolinkElement]
    slots: Mapping[str, BiolinkElement]
    predicates: Mapping[str, BiolinkElement]
    enums: Mapping[str, frozenset[str]]

    def normalize(self, term: str) -> str:
        """A Biolink term written as a CURIE, a bare name or an IRI, as ``biolink:X``.

        >>> load_biolink_schema().normalize("https://w3id.org/biolink/vocab/Gene")
        'biolink:Gene'
        """
        term = term.strip()
        if term.startswith(BIOLINK_IRI):
            return BIOLINK_PREFIX + term[len(BIOLINK_IRI) :]
        if term.startswith(BIOLINK_PREFIX):
            return term
        if term.lower().startswith(BIOLINK_PREFIX):
            return BIOLINK_PREFIX + term.split(":", 1)[1]
        return BIOLINK_PREFIX + term

    def ancestors(self, curie: str, *, kind: str = "class") -> list[list[str]]:
        """Ancestors level by level (the term itself first), following is_a then mixins.

        :param curie: a class or slot CURIE.
        :param kind: ``class`` or ``slot``.
        :returns: one list per distance, nearest first.

        >>> load_biolink_schema().ancestors("biolink:SmallMolecule")[1]
        ['biolink:MolecularEntity']
        """
        return _levels(self.classes if kind == "class" else self.slots, curie)

    def is_a(self, curie: str, ancestor: str) -> bool:
        """Whether class ``curie`` is ``ancestor`` or descends from it (is_a or mixins).

        >>> load_biolink_schema().is_a("biolink:Gene", "biolink:GeneOrGeneProduct")
        True
        """
        return any(ancestor in level for level in self.ancestors(curie))

    def concrete_class(self, curie: str, prefix: str) -> str:
        """The class nearest to ``curie`` that a node with this id prefix can have.

        KGX wants a non-mixin category whose ``id_prefixes`` (when it lists any) include the
        node's prefix. The hierarchy around ``curie`` (parents, mixins and children alike)
        is searched breadth first, nearest first, at most three steps away; a class that
        lists no prefixes accepts any. When nothing fits (a local ``gutbone:`` id), the
        nearest non-mixin class is kept.

        >>> schema = load_biolink_schema()
        >>> schema.concrete_class("biolink:Protein", "HGNC")
        'biolink:Gene'
        >>> schema.concrete_class("biolink:GeneOrGeneProduct", "NCBIGene")
        'biolink:Gene'
        >>> schema.concrete_class("biolink:SmallMolecule", "CHEBI")
        'biolink:SmallMolecule'
        >>> schema.concrete_class("biolink:MicroRNA", "MESH")
        'biolink:NucleicAcidEntity'
        """
        return _concrete_class(self, curie, prefix)

    def concrete_predicate(self, curie: str) -> str:
        """A non-mixin predicate for ``curie``: itself, or the one that has it as a mixin.

        >>> load_biolink_schema().concrete_predicate("biolink:treats")
        'biolink:ameliorates_condition'
        """
        element = self.predicates.get(curie)
        if element is None or not element.mixin:
            return curie
        children = sorted(
            other.curie for other in self.predicates.values()
            if curie in other.parents[1:] and not other.mixin and not other.deprecated
        )  # fmt: skip
        return children[0] if children else curie


def schema_path() -> Path:
    """Path of ``biolink_model.yaml`` inside the installed ``biolink-model`` package.

    :raises ModuleNotFoundError: when the package is not installed.
    """
    spec = importlib.util.find_spec("biolink_model")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the biolink-model package is not installed", name="biolink_model"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "schema" / "biolink_model.yaml"
        if candidate.is_file():
            return candidate
    raise ModuleNotFoundError("biolink_model/schema/biolink_model.yaml not found")


def _element(curie: str, raw: Mapping[str, Any], naming: Any) -> BiolinkElement:
    parents = [naming(raw["is_a"])] if raw.get("is_a") else []
    parents.extend(naming(mixin) for mixin in raw.get("mixins") or ())
    return BiolinkElement(
        curie=curie,
        parents=tuple(parents),
        deprecated=bool(raw.get("deprecated")),
        mixin=bool(raw.get("mixin")),
        abstract=bool(raw.get("abstract")),
        id_prefixes=tuple(raw.get("id_prefixes") or ()),
        domain=class_curie(raw["domain"]) if raw.get("domain") else "",
        range=class_curie(raw["range"]) if raw.get("range") else "",
    )


@cache
def biolink_prefix_map() -> dict[str, str]:
    """Biolink's CURIE prefix map (prefix -> IRI base), from the installed package.

    This is the JSON-LD context ``kgx validate`` checks node ids against.

    >>> biolink_prefix_map()["CHEBI"]
    'http://purl.obolibrary.org/obo/CHEBI_'
    """
    path = schema_path().parent.parent / "prefixmaps" / "biolink_model_prefix_map.json"
    with path.open(encoding="utf-8") as handle:
        found: dict[str, str] = json.load(handle)
    return found


@cache
def load_biolink_schema() -> BiolinkSchema:
    """Read the Biolink Model schema from the installed package (offline, cached)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with schema_path().open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    classes = {
        class_curie(name): _element(class_curie(name), raw or {}, class_curie)
        for name, raw in document["classes"].items()
    }
    slots = {
        slot_curie(name): _element(slot_curie(name), raw or {}, slot_curie)
        for name, raw in document["slots"].items()
    }
    root = slot_curie("related to")
    predicates = {
        curie: element
        for curie, element in slots.items()
        if any(root in level for level in _levels(slots, curie))
    }
    enums = {
        name: frozenset((raw or {}).get("permissible_values") or ())
        for name, raw in document["enums"].items()
    }
    return BiolinkSchema(str(document["version"]), classes, slots, predicates, enums)


def _fits(element: BiolinkElement, prefix: str) -> bool:
    return not element.mixin and (not element.id_prefixes or prefix in element.id_prefixes)


@cache
def _children() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for element in load_biolink_schema().classes.values():
        for parent in element.parents:
            found.setdefault(parent, []).append(element.curie)
    return {parent: tuple(sorted(names)) for parent, names in found.items()}


#: Classes chosen by hand where the search below finds none (or a wrong one) near the class.
#: MeSH names classes of molecules (D035683 "MicroRNAs", in its nucleic-acid tree), while
#: Biolink's RNA product classes take only RNAcentral/miRBase/HGNC ids; searched further, the
#: first class taking MeSH ids would be Protein. NucleicAcidEntity takes MeSH ids.
_CLOSEST_CLASS = {("biolink:MicroRNA", "MESH"): "biolink:NucleicAcidEntity"}


@cache
def _concrete_class(schema: BiolinkSchema, curie: str, prefix: str) -> str:
    if (curie, prefix) in _CLOSEST_CLASS:
        return _CLOSEST_CLASS[curie, prefix]
    children = _children()
    frontier, seen, fallback = [curie], {curie}, ""
    for _ in range(4):
        for term in frontier:
            element = schema.classes.get(term)
            if element is None:
                continue
            if _fits(element, prefix) and (element.id_prefixes or term == curie):
                return term
            if not fallback and not element.mixin:
                fallback = term
        nearby = [n for t in frontier if t in schema.classes
                  for n in (*schema.classes[t].parents, *children.get(t, ()))]  # fmt: skip
        frontier = [n for n in dict.fromkeys(nearby) if n not in seen]
        seen.update(frontier)
    return fallback or curie


def _levels(table: Mapping[str, BiolinkElement], curie: str) -> list[list[str]]:
    levels: list[list[str]] = []
    seen: set[str] = set()
    frontier = [curie]
    while frontier:
        level = [term for term in frontier if term not in seen]
        if not level:
            break
        seen.update(level)
        levels.append(level)
        frontier = [p for term in level if term in table for p in table[term].parents]
    return levels


@dataclass(frozen=True)
class BiolinkMapping:
    """gutbone categories and predicates <-> Biolink classes and predicates.

    :param category_to_biolink: export class of each gutbone category.
    :param predicate_to_biolink: export predicate of each gutbone predicate.
    :param exact: Biolink term -> gutbone term of which it is the exactMatch.
    :param close: Biolink term -> gutbone terms of which it is a closeMatch.
    """

    category_to_biolink: Mapping[str, str]
    predicate_to_biolink: Mapping[str, str]
    exact: Mapping[str, str]
    close: Mapping[str, tuple[str, ...]]
    _memo: dict[tuple[str, str], str | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def category_from_biolink(self, term: str) -> str | None:
        """The gutbone category of a Biolink class (see the module rules).

        :param term: ``biolink:SmallMolecule`` (or the bare name or IRI).
        :returns: a gutbone category, or None if the class is not in the Biolink schema.
        """
        curie = load_biolink_schema().normalize(term)
        key = ("class", curie)
        if key not in self._memo:
            self._memo[key] = _category_from_biolink(self, curie)
        return self._memo[key]

    def predicate_from_biolink(self, term: str) -> str | None:
        """The gutbone predicate of a Biolink predicate (see the module rules).

        :param term: ``biolink:produces`` (or the bare name or IRI).
        :returns: a gutbone predicate, or None when unknown to Biolink or unmapped.
        """
        curie = load_biolink_schema().normalize(term)
        key = ("slot", curie)
        if key not in self._memo:
            self._memo[key] = _predicate_from_biolink(self, curie)
        return self._memo[key]


def _common_category(names: Iterable[str]) -> str:
    vocabulary = load_vocabulary()
    chains = [vocabulary.category_ancestors(name) for name in names]
    for candidate in chains[0]:
        if all(candidate in chain for chain in chains):
            return candidate
    return "Entity"


def _climb(mapping: BiolinkMapping, levels: list[list[str]], usable: Any, merge: Any) -> str | None:
    first = levels[0][0] if levels and levels[0] else None
    if first is not None and first not in mapping.exact and first in mapping.close:
        hits = [name for name in mapping.close[first] if usable(name)]
        if hits:
            return str(merge(hits))
    for level in levels:
        hits = list(dict.fromkeys(mapping.exact[t] for t in level if t in mapping.exact))
        if hits:
            found = [name for name in hits if usable(name)]
            return str(merge(found)) if found else None
    return None


def _category_from_biolink(mapping: BiolinkMapping, curie: str) -> str | None:
    schema = load_biolink_schema()
    if curie not in schema.classes:
        return None
    vocabulary = load_vocabulary()
    return _climb(mapping, schema.ancestors(curie), vocabulary.is_category, _common_category)


def _predicate_from_biolink(mapping: BiolinkMapping, curie: str) -> str | None:
    schema = load_biolink_schema()
    if curie not in schema.predicates:
        return None
    predicates = load_vocabulary().predicates

    def first(names: list[str]) -> str:
        return names[0] if len(names) == 1 else sorted(names)[0]

    return _climb(mapping, schema.ancestors(curie, kind="slot"), predicates.__contains__, first)


@cache
def load_mapping() -> BiolinkMapping:
    """Read the gutbone -> Biolink alignment of ``ontology/gutbone.ttl`` (cached)."""
    graph = ontology_graph()
    vocabulary = load_vocabulary()
    best: dict[str, tuple[int, str]] = {}
    exact: dict[str, str] = {}
    close: dict[str, list[str]] = {}
    for relation, rank in _SKOS_RANK.items():
        for subject, target in graph.subject_objects(relation):
            if not (isinstance(subject, URIRef) and isinstance(target, URIRef)):
                continue
            text, name = str(target), str(subject)
            if not (text.startswith(BIOLINK_IRI) and name.startswith(VOCAB)):
                continue
            local, curie = name[len(VOCAB) :], BIOLINK_PREFIX + text[len(BIOLINK_IRI) :]
            if local not in best or (rank, curie) < best[local]:
                best[local] = (rank, curie)
            if rank == 0:
                exact.setdefault(curie, local)
            elif rank == 1:
                close.setdefault(curie, []).append(local)
    categories = {name: best[name][1] for name in vocabulary.categories if name in best}
    predicates = {name: best[name][1] for name in vocabulary.predicates if name in best}
    return BiolinkMapping(
        category_to_biolink=dict(sorted(categories.items())),
        predicate_to_biolink=dict(sorted(predicates.items())),
        exact=exact,
        close={curie: tuple(sorted(names)) for curie, names in close.items()},
    )


def local_name(value: str) -> str:
    """A gutbone term without its ``gb:``/``gutbone:``/vocabulary-IRI prefix.

    >>> local_name("gb:review_claim")
    'review_claim'
    """
    for prefix in _LOCAL:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def category_of(value: str) -> str | None:
    """The gutbone category a KGX ``category`` value stands for (None when unknown).

    Used by every reader (import and the sparse KGX reader), so a Biolink class means
    the same everywhere.

    :param value: ``Taxon``, ``gb:Taxon``, ``biolink:OrganismTaxon`` or several of these
        separated by ``|``: the most specific known category wins.
    :returns: the category name, or None when no part is known.

    >>> category_of("biolink:OrganismTaxon"), category_of("biolink:NamedThing|gb:Taxon")
    ('Taxon', 'Taxon')
    >>> category_of("biolink:Gene"), category_of("biolink:ClinicalAttribute")
    ('GeneProduct', 'Measurement')
    """
    vocabulary, schema, mapping = load_vocabulary(), load_biolink_schema(), load_mapping()
    best: str | None = None
    for part in value.split("|"):
        part = part.strip()
        if not part:
            continue
        name = local_name(part)
        if vocabulary.is_category(name):
            found: str | None = name
        elif schema.normalize(part) in schema.classes:
            found = mapping.category_from_biolink(part)
        else:
            found = None
        if found is not None and (
            best is None
            or len(vocabulary.category_ancestors(found))
            > len(vocabulary.category_ancestors(best))
        ):
            best = found
    return best


def predicate_sign(predicate: str, direction: str = "") -> int:
    """The sign a Biolink predicate and its direction qualifier give an edge.

    :param predicate: a Biolink predicate (``biolink:associated_with_increased_likelihood_of``).
    :param direction: the ``object_direction_qualifier`` (wins when given).
    :returns: +1, -1, or 0 when neither says.

    >>> predicate_sign("biolink:associated_with_decreased_likelihood_of")
    -1
    >>> predicate_sign("biolink:positively_correlated_with")
    1
    >>> predicate_sign("biolink:affects", "upregulated")
    1
    """
    if direction in DIRECTION_SIGN:
        return DIRECTION_SIGN[direction]
    name = predicate.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    if _UP.search(name):
        return 1
    if _DOWN.search(name):
        return -1
    return 0


def predicate_of(value: str, direction: str = "") -> str | None:
    """The gutbone predicate a KGX ``predicate`` value stands for (None when unknown).

    :param value: ``increases``, ``gb:increases`` or a Biolink predicate CURIE.
    :param direction: the ``object_direction_qualifier``: with ``biolink:affects`` (or a
        predicate that maps to ``affects``) a direction gives ``increases``/``decreases``.
    :returns: the predicate name, or None (unknown to Biolink, or unmapped).

    >>> predicate_of("biolink:affects", "decreased"), predicate_of("biolink:produces")
    ('decreases', 'produces')
    >>> predicate_of("biolink:related_to") is None
    True
    """
    name = local_name(value.strip())
    if name in load_vocabulary().predicates:
        return name
    mapped = load_mapping().predicate_from_biolink(value)
    sign = predicate_sign(value.strip(), direction)
    if mapped == "affects" and sign:
        return "increases" if sign > 0 else "decreases"
    return mapped
