"""nervaluate 1.2.1's ``Evaluator``, computed by ieval: the same interface and results
(``evaluate()`` with per-strategy and per-type results and indices, ``summary_report``,
``summary_report_indices``, ``results_to_csv``), without nervaluate installed.

    from ieval.nervaluate import Evaluator
    results = Evaluator(true, pred, tags=["PER", "LOC"], loader="list").evaluate()
    results["overall"]["strict"].f1

Loading tag sequences (``loader="list"``) or a CoNLL string (``"conll"``) and the four
strategies (nervaluate's greedy matching, quirks included) run in Rust with the GIL
released; this module builds nervaluate's result objects.

Differences from nervaluate 1.2.1: ``loader="prodigy"`` is accepted as a name of the
``"dict"`` loader (Prodigy-style span dicts; extra keys are ignored, as nervaluate does);
an entity given to the dict loader with a negative start or an end before its start raises
``ValueError`` (nervaluate divides by zero or mis-measures overlaps on those).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from ieval._ieval import NerDocs, TagSeqs

__all__ = ["Evaluator", "Entity", "EvaluationResult", "EvaluationIndices"]

_STRATEGIES = ("strict", "partial", "ent_type", "exact")


@dataclass
class Entity:
    """A named entity: label and inclusive token offsets (nervaluate.entities.Entity)."""

    label: str
    start: int
    end: int

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        return self.label == other.label and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.label, self.start, self.end))


@dataclass
class EvaluationResult:
    """Counts and metrics of one strategy (nervaluate.entities.EvaluationResult)."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    actual: int = 0
    possible: int = 0

    def compute_metrics(self, partial_or_type: bool = False) -> None:
        self.actual = self.correct + self.incorrect + self.partial + self.spurious
        self.possible = self.correct + self.incorrect + self.partial + self.missed
        if partial_or_type:
            precision = (self.correct + 0.5 * self.partial) / self.actual if self.actual > 0 else 0
            recall = (self.correct + 0.5 * self.partial) / self.possible if self.possible > 0 else 0
        else:
            precision = self.correct / self.actual if self.actual > 0 else 0
            recall = self.correct / self.possible if self.possible > 0 else 0
        self.precision = precision
        self.recall = recall
        self.f1 = 2 * (precision * recall) / (precision + recall) if (precision + recall) > 0 else 0


@dataclass
class EvaluationIndices:
    """(document, entity) indices per category (nervaluate.entities.EvaluationIndices)."""

    correct_indices: List[Tuple[int, int]] = None  # type: ignore[assignment]
    incorrect_indices: List[Tuple[int, int]] = None  # type: ignore[assignment]
    partial_indices: List[Tuple[int, int]] = None  # type: ignore[assignment]
    missed_indices: List[Tuple[int, int]] = None  # type: ignore[assignment]
    spurious_indices: List[Tuple[int, int]] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for name in ("correct", "incorrect", "partial", "missed", "spurious"):
            if getattr(self, f"{name}_indices") is None:
                setattr(self, f"{name}_indices", [])


def _dict_docs(data: Any) -> NerDocs:
    """nervaluate's DictLoader checks, then the entities to Rust."""
    if not isinstance(data, list):
        raise ValueError("DictLoader expects list input")
    docs = []
    for doc in data:
        if not isinstance(doc, list):
            raise ValueError("Each document must be a list of entity dictionaries")
        out = []
        for entity in doc:
            if not isinstance(entity, dict):
                raise ValueError(f"Invalid entity type: {type(entity)}")
            required_keys = {"label", "start", "end"}
            if not all(key in entity for key in required_keys):
                raise ValueError(f"Entity missing required keys: {required_keys}")
            if not isinstance(entity["label"], str):
                raise ValueError("Entity label must be a string")
            if not isinstance(entity["start"], int) or not isinstance(entity["end"], int):
                raise ValueError("Entity start and end must be integers")
            out.append((entity["label"], entity["start"], entity["end"]))
        docs.append(out)
    return NerDocs.from_tuples(docs)


def _first_not_list(data: list) -> Optional[int]:
    return next((i for i, doc in enumerate(data) if not isinstance(doc, list)), None)


def _list_docs(true: Any, pred: Any) -> Tuple[NerDocs, NerDocs]:
    """nervaluate's ListLoader on both sides: gold first, document by document, so the
    first bad document or tag raises as nervaluate's would."""
    if not isinstance(true, list):
        raise ValueError("ListLoader expects list input")
    bad = _first_not_list(true)
    if bad is not None:
        TagSeqs(true[:bad], []).nervaluate_docs()
        raise ValueError("Each document must be a list of tags")
    if not isinstance(pred, list):
        TagSeqs(true, []).nervaluate_docs()
        raise ValueError("ListLoader expects list input")
    bad = _first_not_list(pred)
    if bad is not None:
        TagSeqs(true, pred[:bad]).nervaluate_docs()
        raise ValueError("Each document must be a list of tags")
    return TagSeqs(true, pred).nervaluate_docs()


def _conll_docs(data: Any) -> NerDocs:
    if not isinstance(data, str):
        raise ValueError("ConllLoader expects string input")
    return NerDocs.from_conll(data)


def _entities(docs: NerDocs) -> List[List[Entity]]:
    return [[Entity(label=label, start=start, end=end) for label, start, end in doc] for doc in docs.to_tuples()]


class Evaluator:
    """Main evaluator class for NER evaluation (nervaluate.Evaluator)."""

    def __init__(
        self, true: Any, pred: Any, tags: List[str], loader: str = "default", min_overlap_percentage: float = 1.0
    ) -> None:
        self.tags = tags
        self.min_overlap_percentage = min_overlap_percentage
        self._load_data(true, pred, loader)
        self._setup_evaluation_strategies()

    def _setup_evaluation_strategies(self) -> None:
        if not 1.0 <= self.min_overlap_percentage <= 100.0:
            raise ValueError("min_overlap_percentage must be between 1.0 and 100.0")
        self.strategies: Dict[str, str] = {name: name for name in _STRATEGIES}

    def _load_data(self, true: Any, pred: Any, loader: str) -> None:
        if loader == "default":
            if isinstance(true, str):
                loader = "conll"
            elif isinstance(true, list) and true and isinstance(true[0], list):
                loader = "dict" if isinstance(true[0][0], dict) else "list"
            else:
                raise ValueError("Could not infer loader from input type")
        if loader == "prodigy":
            loader = "dict"
        if loader not in ("conll", "list", "dict"):
            raise ValueError(f"Unknown loader: {loader}")

        if loader == "list":
            if len(true) != len(pred):
                raise ValueError("Number of predicted documents does not equal true")
            for i, (true_doc, pred_doc) in enumerate(zip(true, pred)):
                if len(true_doc) != len(pred_doc):
                    raise ValueError(f"Document {i} has different lengths: true={len(true_doc)}, pred={len(pred_doc)}")
            gold, system = _list_docs(true, pred)
        elif loader == "conll":
            gold, system = _conll_docs(true), _conll_docs(pred)
        else:
            gold, system = _dict_docs(true), _dict_docs(pred)
        self._docs = (gold, system)
        self._entities: Optional[Tuple[List[List[Entity]], List[List[Entity]]]] = None

        if len(gold) != len(system):
            raise ValueError("Number of predicted documents does not equal true")

    # The loaded entities as nervaluate.Entity lists, built on first use.
    def _entity_lists(self) -> Tuple[List[List[Entity]], List[List[Entity]]]:
        if self._entities is None:
            self._entities = (_entities(self._docs[0]), _entities(self._docs[1]))
        return self._entities

    @property
    def true(self) -> List[List[Entity]]:
        return self._entity_lists()[0]

    @true.setter
    def true(self, value: List[List[Entity]]) -> None:
        self._set_docs(0, value)

    @property
    def pred(self) -> List[List[Entity]]:
        return self._entity_lists()[1]

    @pred.setter
    def pred(self, value: List[List[Entity]]) -> None:
        self._set_docs(1, value)

    def _set_docs(self, side: int, value: List[List[Entity]]) -> None:
        lists = list(self._entity_lists())
        lists[side] = value
        docs = list(self._docs)
        docs[side] = NerDocs.from_tuples([[(e.label, e.start, e.end) for e in doc] for doc in value])
        self._entities = (lists[0], lists[1])
        self._docs = (docs[0], docs[1])

    def evaluate(self) -> Dict[str, Any]:
        """Run the evaluation: ``{"overall", "entities", "overall_indices", "entity_indices"}``."""
        gold, system = self._docs
        used_tags = set()  # type: ignore[var-annotated]
        used_tags.update(gold.labels())
        used_tags.update(system.labels())
        used_tags = used_tags.intersection(set(self.tags))

        entity_results: Dict[str, Dict[str, EvaluationResult]] = {tag: {} for tag in used_tags}
        entity_indices: Dict[str, Dict[str, EvaluationIndices]] = {tag: {} for tag in used_tags}
        results: Dict[str, EvaluationResult] = {}
        indices: Dict[str, EvaluationIndices] = {}
        if min(len(gold), len(system)) == 0:
            return {"overall": results, "entities": entity_results, "overall_indices": indices, "entity_indices": entity_indices}

        tags_order = list(used_tags)
        tags = [t for t in self.tags if isinstance(t, str)]
        overall, by_tag = gold.evaluate(system, tags, tags_order, float(self.min_overlap_percentage))

        def build(out) -> Tuple[Dict[str, EvaluationResult], Dict[str, EvaluationIndices]]:
            res, idx = {}, {}
            for name, (counts, lists) in zip(_STRATEGIES, out):
                r = EvaluationResult(*counts)
                r.compute_metrics(partial_or_type=name in ("partial", "ent_type"))
                res[name] = r
                idx[name] = EvaluationIndices(*lists)
            return res, idx

        results, indices = build(overall)
        for tag, out in zip(tags_order, by_tag):
            entity_results[tag], entity_indices[tag] = build(out)
        return {
            "overall": results,
            "entities": entity_results,
            "overall_indices": indices,
            "entity_indices": entity_indices,
        }

    def results_to_csv(
        self, mode: str = "overall", scenario: str = "strict", file_path: Optional[str] = None
    ) -> Union[str, None]:
        """The results as CSV (nervaluate.Evaluator.results_to_csv)."""
        valid_modes = {"overall", "entities"}
        valid_scenarios = {"strict", "ent_type", "partial", "exact"}
        if mode not in valid_modes:
            raise ValueError(f"Invalid mode: must be one of {valid_modes}")
        if mode == "entities" and scenario not in valid_scenarios:
            raise ValueError(f"Invalid scenario: must be one of {valid_scenarios}")
        results = self.evaluate()
        fields = ["Correct", "Incorrect", "Partial", "Missed", "Spurious", "Precision", "Recall", "F1-Score"]

        def row(name: str, r: EvaluationResult) -> list:
            return [name, r.correct, r.incorrect, r.partial, r.missed, r.spurious, r.precision, r.recall, r.f1]

        if mode == "overall":
            csv_data = [["Strategy", *fields]]
            for strategy_name, strategy_result in results["overall"].items():
                csv_data.append(row(strategy_name, strategy_result))
        else:
            csv_data = [["Entity", *fields]]
            for entity_type, entity_results in results["entities"].items():
                if scenario in entity_results:
                    csv_data.append(row(entity_type, entity_results[scenario]))
        if file_path:
            with open(file_path, "w", newline="", encoding="utf-8") as csvfile:
                csv.writer(csvfile).writerows(csv_data)
            return None
        output = io.StringIO()
        csv.writer(output).writerows(csv_data)
        return output.getvalue()

    def summary_report(self, mode: str = "overall", scenario: str = "strict", digits: int = 2) -> str:
        """A text summary (nervaluate.Evaluator.summary_report)."""
        valid_scenarios = {"strict", "ent_type", "partial", "exact"}
        valid_modes = {"overall", "entities"}
        if mode not in valid_modes:
            raise ValueError(f"Invalid mode: must be one of {valid_modes}")
        if mode == "entities" and scenario not in valid_scenarios:
            raise ValueError(f"Invalid scenario: must be one of {valid_scenarios}")
        headers = ["correct", "incorrect", "partial", "missed", "spurious", "precision", "recall", "f1-score"]
        rows: List[list] = [headers]
        results = self.evaluate()

        def row(name: str, r: EvaluationResult) -> list:
            return [name, r.correct, r.incorrect, r.partial, r.missed, r.spurious, r.precision, r.recall, r.f1]

        if mode == "overall":
            results_data = results["overall"]
            for eval_schema in sorted(valid_scenarios):
                if eval_schema not in results_data:
                    continue
                rows.append(row(eval_schema, results_data[eval_schema]))
        else:
            results_data = results["entities"]
            for ent_type in sorted(results_data.keys()):
                if scenario not in results_data[ent_type]:
                    continue
                rows.append(row(ent_type, results_data[ent_type][scenario]))
        name_width = max(len(str(row[0])) for row in rows)
        width = max(name_width, digits)
        head_fmt = "{:>{width}s} " + " {:>11}" * len(headers)
        report = f"Scenario: {scenario if mode == 'entities' else 'all'}\n\n" + head_fmt.format(
            "", *headers, width=width
        )
        report += "\n\n"
        row_fmt = "{:>{width}s} " + " {:>11}" * 5 + " {:>11.{digits}f}" * 3 + "\n"
        for r in rows[1:]:
            report += row_fmt.format(*r, width=width, digits=digits)
        return report

    def summary_report_indices(self, mode: str = "overall", scenario: str = "strict", colors: bool = False) -> str:
        """A text summary of the indices (nervaluate.Evaluator.summary_report_indices)."""
        valid_scenarios = {"strict", "ent_type", "partial", "exact"}
        valid_modes = {"overall", "entities"}
        if mode not in valid_modes:
            raise ValueError(f"Invalid mode: must be one of {valid_modes}")
        if mode == "entities" and scenario not in valid_scenarios:
            raise ValueError(f"Invalid scenario: must be one of {valid_scenarios}")
        COLORS = {
            "reset": "\033[0m", "bold": "\033[1m", "red": "\033[91m", "green": "\033[92m",
            "yellow": "\033[93m", "blue": "\033[94m", "magenta": "\033[95m", "cyan": "\033[96m",
            "white": "\033[97m",
        }
        category_colors = {
            "Correct": "green", "Incorrect": "red", "Partial": "yellow", "Missed": "magenta", "Spurious": "blue",
        }

        def colorize(text: str, color: str) -> str:
            return f"{COLORS[color]}{text}{COLORS['reset']}" if colors else text

        def get_prediction_info(pred: Union[Entity, str]) -> str:
            if isinstance(pred, Entity):
                return f"Label={pred.label}, Start={pred.start}, End={pred.end}"
            return f"Tag={pred}"

        results = self.evaluate()
        headers = ["Category", "Instance", "Entity", "Details"]
        header_fmt = "{:<20} {:<10} {:<8} {:<25}"
        row_fmt = "{:<20} {:<10} {:<8} {:<10}"

        def table(indices_data: EvaluationIndices) -> str:
            out = ""
            for category, indices in indices_data.__dict__.items():
                if not category.endswith("_indices"):
                    continue
                category_name = category.replace("_indices", "").replace("_", " ").capitalize()
                color = category_colors.get(category_name, "white")
                if indices:
                    for instance_index, entity_index in indices:
                        if self.pred != [[]]:
                            info = get_prediction_info(self.pred[instance_index][entity_index])
                        else:
                            info = "No prediction info"
                        out += row_fmt.format(colorize(category_name, color), f"{instance_index}", f"{entity_index}", info) + "\n"
                else:
                    out += row_fmt.format(colorize(category_name, color), "-", "-", "None") + "\n"
            return out

        report = ""
        if mode == "overall":
            report += f"\n{colorize('Indices for error schema', 'bold')} '{colorize(scenario, 'cyan')}':\n\n"
            report += colorize(header_fmt.format(*headers), "bold") + "\n"
            report += colorize("-" * 78, "white") + "\n"
            report += table(results["overall_indices"][scenario])
        else:
            for entity_type, entity_results in results["entity_indices"].items():
                report += f"\n{colorize('Entity Type', 'bold')}: {colorize(entity_type, 'cyan')}\n"
                report += f"{colorize('Error Schema', 'bold')}: '{colorize(scenario, 'cyan')}'\n\n"
                report += colorize(header_fmt.format(*headers), "bold") + "\n"
                report += colorize("-" * 78, "white") + "\n"
                report += table(entity_results[scenario])
        return report
