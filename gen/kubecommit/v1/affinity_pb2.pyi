import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kubecommit.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NodeSelectorOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NODE_SELECTOR_OPERATOR_UNSPECIFIED: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_IN: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_NOT_IN: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_EXISTS: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_GT: _ClassVar[NodeSelectorOperator]
    NODE_SELECTOR_OPERATOR_LT: _ClassVar[NodeSelectorOperator]

class LabelSelectorOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_SELECTOR_OPERATOR_UNSPECIFIED: _ClassVar[LabelSelectorOperator]
    LABEL_SELECTOR_OPERATOR_IN: _ClassVar[LabelSelectorOperator]
    LABEL_SELECTOR_OPERATOR_NOT_IN: _ClassVar[LabelSelectorOperator]
    LABEL_SELECTOR_OPERATOR_EXISTS: _ClassVar[LabelSelectorOperator]
    LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST: _ClassVar[LabelSelectorOperator]

class TolerationOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOLERATION_OPERATOR_UNSPECIFIED: _ClassVar[TolerationOperator]
    TOLERATION_OPERATOR_EQUAL: _ClassVar[TolerationOperator]
    TOLERATION_OPERATOR_EXISTS: _ClassVar[TolerationOperator]

class PlacementChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLACEMENT_CHANGE_UNSPECIFIED: _ClassVar[PlacementChange]
    PLACEMENT_CHANGE_ADD_TOLERATIONS: _ClassVar[PlacementChange]
    PLACEMENT_CHANGE_NODE_SELECTOR: _ClassVar[PlacementChange]
    PLACEMENT_CHANGE_RELAX_RULE: _ClassVar[PlacementChange]
    PLACEMENT_CHANGE_UNCORDON: _ClassVar[PlacementChange]
    PLACEMENT_CHANGE_NONE: _ClassVar[PlacementChange]

class SchedulingFailureType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULING_FAILURE_TYPE_UNSPECIFIED: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_NODE_SELECTOR_MISMATCH: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_NODE_AFFINITY_MISMATCH: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_UNTOLERATED_TAINT: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_POD_AFFINITY: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_POD_ANTI_AFFINITY: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_INSUFFICIENT_RESOURCES: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_NODE_UNSCHEDULABLE: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_NODE_NOT_READY: _ClassVar[SchedulingFailureType]
    SCHEDULING_FAILURE_TYPE_TOPOLOGY_SPREAD: _ClassVar[SchedulingFailureType]

class AffinityGraphNodeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AFFINITY_GRAPH_NODE_TYPE_UNSPECIFIED: _ClassVar[AffinityGraphNodeType]
    AFFINITY_GRAPH_NODE_TYPE_WORKLOAD: _ClassVar[AffinityGraphNodeType]
    AFFINITY_GRAPH_NODE_TYPE_NODE: _ClassVar[AffinityGraphNodeType]
    AFFINITY_GRAPH_NODE_TYPE_TOPOLOGY_DOMAIN: _ClassVar[AffinityGraphNodeType]

class AffinityEdgeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AFFINITY_EDGE_TYPE_UNSPECIFIED: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_NODE_AFFINITY: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_NODE_SELECTOR: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_POD_AFFINITY: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_POD_ANTI_AFFINITY: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_TOLERATION: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_PLACEMENT: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_TAINT_BLOCKS: _ClassVar[AffinityEdgeType]
    AFFINITY_EDGE_TYPE_IN_DOMAIN: _ClassVar[AffinityEdgeType]
NODE_SELECTOR_OPERATOR_UNSPECIFIED: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_IN: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_NOT_IN: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_EXISTS: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_GT: NodeSelectorOperator
NODE_SELECTOR_OPERATOR_LT: NodeSelectorOperator
LABEL_SELECTOR_OPERATOR_UNSPECIFIED: LabelSelectorOperator
LABEL_SELECTOR_OPERATOR_IN: LabelSelectorOperator
LABEL_SELECTOR_OPERATOR_NOT_IN: LabelSelectorOperator
LABEL_SELECTOR_OPERATOR_EXISTS: LabelSelectorOperator
LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST: LabelSelectorOperator
TOLERATION_OPERATOR_UNSPECIFIED: TolerationOperator
TOLERATION_OPERATOR_EQUAL: TolerationOperator
TOLERATION_OPERATOR_EXISTS: TolerationOperator
PLACEMENT_CHANGE_UNSPECIFIED: PlacementChange
PLACEMENT_CHANGE_ADD_TOLERATIONS: PlacementChange
PLACEMENT_CHANGE_NODE_SELECTOR: PlacementChange
PLACEMENT_CHANGE_RELAX_RULE: PlacementChange
PLACEMENT_CHANGE_UNCORDON: PlacementChange
PLACEMENT_CHANGE_NONE: PlacementChange
SCHEDULING_FAILURE_TYPE_UNSPECIFIED: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_NODE_SELECTOR_MISMATCH: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_NODE_AFFINITY_MISMATCH: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_UNTOLERATED_TAINT: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_POD_AFFINITY: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_POD_ANTI_AFFINITY: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_INSUFFICIENT_RESOURCES: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_NODE_UNSCHEDULABLE: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_NODE_NOT_READY: SchedulingFailureType
SCHEDULING_FAILURE_TYPE_TOPOLOGY_SPREAD: SchedulingFailureType
AFFINITY_GRAPH_NODE_TYPE_UNSPECIFIED: AffinityGraphNodeType
AFFINITY_GRAPH_NODE_TYPE_WORKLOAD: AffinityGraphNodeType
AFFINITY_GRAPH_NODE_TYPE_NODE: AffinityGraphNodeType
AFFINITY_GRAPH_NODE_TYPE_TOPOLOGY_DOMAIN: AffinityGraphNodeType
AFFINITY_EDGE_TYPE_UNSPECIFIED: AffinityEdgeType
AFFINITY_EDGE_TYPE_NODE_AFFINITY: AffinityEdgeType
AFFINITY_EDGE_TYPE_NODE_SELECTOR: AffinityEdgeType
AFFINITY_EDGE_TYPE_POD_AFFINITY: AffinityEdgeType
AFFINITY_EDGE_TYPE_POD_ANTI_AFFINITY: AffinityEdgeType
AFFINITY_EDGE_TYPE_TOLERATION: AffinityEdgeType
AFFINITY_EDGE_TYPE_PLACEMENT: AffinityEdgeType
AFFINITY_EDGE_TYPE_TAINT_BLOCKS: AffinityEdgeType
AFFINITY_EDGE_TYPE_IN_DOMAIN: AffinityEdgeType

class NodeSelectorRequirement(_message.Message):
    __slots__ = ("key", "operator", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    operator: NodeSelectorOperator
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., operator: _Optional[_Union[NodeSelectorOperator, str]] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class NodeSelectorTerm(_message.Message):
    __slots__ = ("match_expressions", "match_fields")
    MATCH_EXPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELDS_FIELD_NUMBER: _ClassVar[int]
    match_expressions: _containers.RepeatedCompositeFieldContainer[NodeSelectorRequirement]
    match_fields: _containers.RepeatedCompositeFieldContainer[NodeSelectorRequirement]
    def __init__(self, match_expressions: _Optional[_Iterable[_Union[NodeSelectorRequirement, _Mapping]]] = ..., match_fields: _Optional[_Iterable[_Union[NodeSelectorRequirement, _Mapping]]] = ...) -> None: ...

class NodeSelector(_message.Message):
    __slots__ = ("node_selector_terms",)
    NODE_SELECTOR_TERMS_FIELD_NUMBER: _ClassVar[int]
    node_selector_terms: _containers.RepeatedCompositeFieldContainer[NodeSelectorTerm]
    def __init__(self, node_selector_terms: _Optional[_Iterable[_Union[NodeSelectorTerm, _Mapping]]] = ...) -> None: ...

class PreferredSchedulingTerm(_message.Message):
    __slots__ = ("weight", "preference")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    weight: int
    preference: NodeSelectorTerm
    def __init__(self, weight: _Optional[int] = ..., preference: _Optional[_Union[NodeSelectorTerm, _Mapping]] = ...) -> None: ...

class NodeAffinity(_message.Message):
    __slots__ = ("name", "required", "preferred", "node_selector", "etag")
    class NodeSelectorEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    required: NodeSelector
    preferred: _containers.RepeatedCompositeFieldContainer[PreferredSchedulingTerm]
    node_selector: _containers.ScalarMap[str, str]
    etag: str
    def __init__(self, name: _Optional[str] = ..., required: _Optional[_Union[NodeSelector, _Mapping]] = ..., preferred: _Optional[_Iterable[_Union[PreferredSchedulingTerm, _Mapping]]] = ..., node_selector: _Optional[_Mapping[str, str]] = ..., etag: _Optional[str] = ...) -> None: ...

class LabelSelectorRequirement(_message.Message):
    __slots__ = ("key", "operator", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    operator: LabelSelectorOperator
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., operator: _Optional[_Union[LabelSelectorOperator, str]] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class LabelSelector(_message.Message):
    __slots__ = ("match_labels", "match_expressions")
    class MatchLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MATCH_LABELS_FIELD_NUMBER: _ClassVar[int]
    MATCH_EXPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    match_labels: _containers.ScalarMap[str, str]
    match_expressions: _containers.RepeatedCompositeFieldContainer[LabelSelectorRequirement]
    def __init__(self, match_labels: _Optional[_Mapping[str, str]] = ..., match_expressions: _Optional[_Iterable[_Union[LabelSelectorRequirement, _Mapping]]] = ...) -> None: ...

class PodAffinityTerm(_message.Message):
    __slots__ = ("label_selector", "namespaces", "topology_key", "namespace_selector", "match_label_keys", "mismatch_label_keys")
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_KEY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    MATCH_LABEL_KEYS_FIELD_NUMBER: _ClassVar[int]
    MISMATCH_LABEL_KEYS_FIELD_NUMBER: _ClassVar[int]
    label_selector: LabelSelector
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    topology_key: str
    namespace_selector: LabelSelector
    match_label_keys: _containers.RepeatedScalarFieldContainer[str]
    mismatch_label_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, label_selector: _Optional[_Union[LabelSelector, _Mapping]] = ..., namespaces: _Optional[_Iterable[str]] = ..., topology_key: _Optional[str] = ..., namespace_selector: _Optional[_Union[LabelSelector, _Mapping]] = ..., match_label_keys: _Optional[_Iterable[str]] = ..., mismatch_label_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class WeightedPodAffinityTerm(_message.Message):
    __slots__ = ("weight", "pod_affinity_term")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    POD_AFFINITY_TERM_FIELD_NUMBER: _ClassVar[int]
    weight: int
    pod_affinity_term: PodAffinityTerm
    def __init__(self, weight: _Optional[int] = ..., pod_affinity_term: _Optional[_Union[PodAffinityTerm, _Mapping]] = ...) -> None: ...

class PodAffinityRules(_message.Message):
    __slots__ = ("required", "preferred")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_FIELD_NUMBER: _ClassVar[int]
    required: _containers.RepeatedCompositeFieldContainer[PodAffinityTerm]
    preferred: _containers.RepeatedCompositeFieldContainer[WeightedPodAffinityTerm]
    def __init__(self, required: _Optional[_Iterable[_Union[PodAffinityTerm, _Mapping]]] = ..., preferred: _Optional[_Iterable[_Union[WeightedPodAffinityTerm, _Mapping]]] = ...) -> None: ...

class PodAffinity(_message.Message):
    __slots__ = ("name", "affinity", "anti_affinity", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFFINITY_FIELD_NUMBER: _ClassVar[int]
    ANTI_AFFINITY_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    affinity: PodAffinityRules
    anti_affinity: PodAffinityRules
    etag: str
    def __init__(self, name: _Optional[str] = ..., affinity: _Optional[_Union[PodAffinityRules, _Mapping]] = ..., anti_affinity: _Optional[_Union[PodAffinityRules, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Toleration(_message.Message):
    __slots__ = ("key", "operator", "value", "effect", "toleration_seconds")
    KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    TOLERATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    key: str
    operator: TolerationOperator
    value: str
    effect: _common_pb2.TaintEffect
    toleration_seconds: int
    def __init__(self, key: _Optional[str] = ..., operator: _Optional[_Union[TolerationOperator, str]] = ..., value: _Optional[str] = ..., effect: _Optional[_Union[_common_pb2.TaintEffect, str]] = ..., toleration_seconds: _Optional[int] = ...) -> None: ...

class Tolerations(_message.Message):
    __slots__ = ("name", "tolerations", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOLERATIONS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    tolerations: _containers.RepeatedCompositeFieldContainer[Toleration]
    etag: str
    def __init__(self, name: _Optional[str] = ..., tolerations: _Optional[_Iterable[_Union[Toleration, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetNodeAffinityRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SetNodeAffinityRequest(_message.Message):
    __slots__ = ("node_affinity", "update_mask", "validate_only", "message")
    NODE_AFFINITY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    node_affinity: NodeAffinity
    update_mask: _field_mask_pb2.FieldMask
    validate_only: bool
    message: str
    def __init__(self, node_affinity: _Optional[_Union[NodeAffinity, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class SetNodeAffinityResponse(_message.Message):
    __slots__ = ("workload", "commit", "node_affinity", "diff", "validate_only")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    NODE_AFFINITY_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    workload: str
    commit: str
    node_affinity: NodeAffinity
    diff: _common_pb2.DocumentDiff
    validate_only: bool
    def __init__(self, workload: _Optional[str] = ..., commit: _Optional[str] = ..., node_affinity: _Optional[_Union[NodeAffinity, _Mapping]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetPodAffinityRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SetPodAffinityRequest(_message.Message):
    __slots__ = ("pod_affinity", "update_mask", "validate_only", "message")
    POD_AFFINITY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    pod_affinity: PodAffinity
    update_mask: _field_mask_pb2.FieldMask
    validate_only: bool
    message: str
    def __init__(self, pod_affinity: _Optional[_Union[PodAffinity, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class SetPodAffinityResponse(_message.Message):
    __slots__ = ("workload", "commit", "pod_affinity", "diff", "validate_only")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    POD_AFFINITY_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    workload: str
    commit: str
    pod_affinity: PodAffinity
    diff: _common_pb2.DocumentDiff
    validate_only: bool
    def __init__(self, workload: _Optional[str] = ..., commit: _Optional[str] = ..., pod_affinity: _Optional[_Union[PodAffinity, _Mapping]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetTolerationsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SetTolerationsRequest(_message.Message):
    __slots__ = ("tolerations", "validate_only", "message")
    TOLERATIONS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    tolerations: Tolerations
    validate_only: bool
    message: str
    def __init__(self, tolerations: _Optional[_Union[Tolerations, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class SetTolerationsResponse(_message.Message):
    __slots__ = ("workload", "commit", "tolerations", "diff", "validate_only")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    TOLERATIONS_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    workload: str
    commit: str
    tolerations: Tolerations
    diff: _common_pb2.DocumentDiff
    validate_only: bool
    def __init__(self, workload: _Optional[str] = ..., commit: _Optional[str] = ..., tolerations: _Optional[_Union[Tolerations, _Mapping]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class NodeTaint(_message.Message):
    __slots__ = ("node", "key", "value", "effect", "time_added")
    NODE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    TIME_ADDED_FIELD_NUMBER: _ClassVar[int]
    node: str
    key: str
    value: str
    effect: _common_pb2.TaintEffect
    time_added: _timestamp_pb2.Timestamp
    def __init__(self, node: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., effect: _Optional[_Union[_common_pb2.TaintEffect, str]] = ..., time_added: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNodeTaintsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "key", "effect")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    key: str
    effect: _common_pb2.TaintEffect
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., key: _Optional[str] = ..., effect: _Optional[_Union[_common_pb2.TaintEffect, str]] = ...) -> None: ...

class ListNodeTaintsResponse(_message.Message):
    __slots__ = ("taints", "next_page_token")
    TAINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    taints: _containers.RepeatedCompositeFieldContainer[NodeTaint]
    next_page_token: str
    def __init__(self, taints: _Optional[_Iterable[_Union[NodeTaint, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AddNodeTaintsRequest(_message.Message):
    __slots__ = ("name", "taints", "overwrite", "etag", "validate_only", "message", "node_selector")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAINTS_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    taints: _containers.RepeatedCompositeFieldContainer[NodeTaint]
    overwrite: bool
    etag: str
    validate_only: bool
    message: str
    node_selector: str
    def __init__(self, name: _Optional[str] = ..., taints: _Optional[_Iterable[_Union[NodeTaint, _Mapping]]] = ..., overwrite: _Optional[bool] = ..., etag: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ..., node_selector: _Optional[str] = ...) -> None: ...

class NodeTaints(_message.Message):
    __slots__ = ("node", "taints", "etag")
    NODE_FIELD_NUMBER: _ClassVar[int]
    TAINTS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    node: str
    taints: _containers.RepeatedCompositeFieldContainer[NodeTaint]
    etag: str
    def __init__(self, node: _Optional[str] = ..., taints: _Optional[_Iterable[_Union[NodeTaint, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class AffectedPod(_message.Message):
    __slots__ = ("pod", "node", "reason")
    POD_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    pod: str
    node: str
    reason: str
    def __init__(self, pod: _Optional[str] = ..., node: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AddNodeTaintsResponse(_message.Message):
    __slots__ = ("nodes", "commit", "validate_only", "evicted_pods")
    NODES_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    EVICTED_PODS_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeTaints]
    commit: str
    validate_only: bool
    evicted_pods: _containers.RepeatedCompositeFieldContainer[AffectedPod]
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeTaints, _Mapping]]] = ..., commit: _Optional[str] = ..., validate_only: _Optional[bool] = ..., evicted_pods: _Optional[_Iterable[_Union[AffectedPod, _Mapping]]] = ...) -> None: ...

class RemoveNodeTaintsRequest(_message.Message):
    __slots__ = ("name", "taints", "etag", "validate_only", "message", "node_selector")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAINTS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    taints: _containers.RepeatedCompositeFieldContainer[NodeTaint]
    etag: str
    validate_only: bool
    message: str
    node_selector: str
    def __init__(self, name: _Optional[str] = ..., taints: _Optional[_Iterable[_Union[NodeTaint, _Mapping]]] = ..., etag: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ..., node_selector: _Optional[str] = ...) -> None: ...

class RemoveNodeTaintsResponse(_message.Message):
    __slots__ = ("nodes", "commit", "validate_only")
    NODES_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeTaints]
    commit: str
    validate_only: bool
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeTaints, _Mapping]]] = ..., commit: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CordonNodeRequest(_message.Message):
    __slots__ = ("name", "validate_only", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    validate_only: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class CordonNodeResponse(_message.Message):
    __slots__ = ("node", "unschedulable", "commit", "validate_only")
    NODE_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    node: str
    unschedulable: bool
    commit: str
    validate_only: bool
    def __init__(self, node: _Optional[str] = ..., unschedulable: _Optional[bool] = ..., commit: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class UncordonNodeRequest(_message.Message):
    __slots__ = ("name", "validate_only", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    validate_only: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class UncordonNodeResponse(_message.Message):
    __slots__ = ("node", "unschedulable", "commit", "validate_only")
    NODE_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    node: str
    unschedulable: bool
    commit: str
    validate_only: bool
    def __init__(self, node: _Optional[str] = ..., unschedulable: _Optional[bool] = ..., commit: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class DrainNodeRequest(_message.Message):
    __slots__ = ("name", "validate_only", "timeout_seconds", "ignore_daemonsets", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    IGNORE_DAEMONSETS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    validate_only: bool
    timeout_seconds: int
    ignore_daemonsets: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., validate_only: _Optional[bool] = ..., timeout_seconds: _Optional[int] = ..., ignore_daemonsets: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class DrainNodeResponse(_message.Message):
    __slots__ = ("pod", "action", "message", "disruption_budget", "done", "complete", "commit")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[DrainNodeResponse.Action]
        ACTION_WOULD_EVICT: _ClassVar[DrainNodeResponse.Action]
        ACTION_EVICTED: _ClassVar[DrainNodeResponse.Action]
        ACTION_BLOCKED: _ClassVar[DrainNodeResponse.Action]
        ACTION_SKIPPED: _ClassVar[DrainNodeResponse.Action]
        ACTION_CORDONED: _ClassVar[DrainNodeResponse.Action]
    ACTION_UNSPECIFIED: DrainNodeResponse.Action
    ACTION_WOULD_EVICT: DrainNodeResponse.Action
    ACTION_EVICTED: DrainNodeResponse.Action
    ACTION_BLOCKED: DrainNodeResponse.Action
    ACTION_SKIPPED: DrainNodeResponse.Action
    ACTION_CORDONED: DrainNodeResponse.Action
    POD_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_BUDGET_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    pod: str
    action: DrainNodeResponse.Action
    message: str
    disruption_budget: str
    done: bool
    complete: bool
    commit: str
    def __init__(self, pod: _Optional[str] = ..., action: _Optional[_Union[DrainNodeResponse.Action, str]] = ..., message: _Optional[str] = ..., disruption_budget: _Optional[str] = ..., done: _Optional[bool] = ..., complete: _Optional[bool] = ..., commit: _Optional[str] = ...) -> None: ...

class SuggestPlacementRequest(_message.Message):
    __slots__ = ("parent", "workload", "pod_spec", "pod_spec_yaml", "namespace", "max_suggestions")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    POD_SPEC_FIELD_NUMBER: _ClassVar[int]
    POD_SPEC_YAML_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MAX_SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    workload: str
    pod_spec: _struct_pb2.Struct
    pod_spec_yaml: str
    namespace: str
    max_suggestions: int
    def __init__(self, parent: _Optional[str] = ..., workload: _Optional[str] = ..., pod_spec: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., pod_spec_yaml: _Optional[str] = ..., namespace: _Optional[str] = ..., max_suggestions: _Optional[int] = ...) -> None: ...

class PlacementSuggestion(_message.Message):
    __slots__ = ("change", "reason", "nodes", "tolerations", "node_selector", "rule", "pod_spec")
    class NodeSelectorEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    TOLERATIONS_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    POD_SPEC_FIELD_NUMBER: _ClassVar[int]
    change: PlacementChange
    reason: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    tolerations: _containers.RepeatedCompositeFieldContainer[Toleration]
    node_selector: _containers.ScalarMap[str, str]
    rule: str
    pod_spec: _struct_pb2.Struct
    def __init__(self, change: _Optional[_Union[PlacementChange, str]] = ..., reason: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., tolerations: _Optional[_Iterable[_Union[Toleration, _Mapping]]] = ..., node_selector: _Optional[_Mapping[str, str]] = ..., rule: _Optional[str] = ..., pod_spec: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SuggestPlacementResponse(_message.Message):
    __slots__ = ("schedulable", "suggestions", "summary")
    SCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    schedulable: bool
    suggestions: _containers.RepeatedCompositeFieldContainer[PlacementSuggestion]
    summary: str
    def __init__(self, schedulable: _Optional[bool] = ..., suggestions: _Optional[_Iterable[_Union[PlacementSuggestion, _Mapping]]] = ..., summary: _Optional[str] = ...) -> None: ...

class SuggestNodeSelectorsRequest(_message.Message):
    __slots__ = ("parent", "nodes", "node_label_selector", "include_unique_labels", "max_suggestions")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    NODE_LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_UNIQUE_LABELS_FIELD_NUMBER: _ClassVar[int]
    MAX_SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    node_label_selector: str
    include_unique_labels: bool
    max_suggestions: int
    def __init__(self, parent: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., node_label_selector: _Optional[str] = ..., include_unique_labels: _Optional[bool] = ..., max_suggestions: _Optional[int] = ...) -> None: ...

class NodeLabelSuggestion(_message.Message):
    __slots__ = ("key", "value", "candidate_count", "other_count", "exact")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    OTHER_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    candidate_count: int
    other_count: int
    exact: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., candidate_count: _Optional[int] = ..., other_count: _Optional[int] = ..., exact: _Optional[bool] = ...) -> None: ...

class SuggestNodeSelectorsResponse(_message.Message):
    __slots__ = ("candidate_count", "suggestions")
    CANDIDATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    candidate_count: int
    suggestions: _containers.RepeatedCompositeFieldContainer[NodeLabelSuggestion]
    def __init__(self, candidate_count: _Optional[int] = ..., suggestions: _Optional[_Iterable[_Union[NodeLabelSuggestion, _Mapping]]] = ...) -> None: ...

class ListTopologyDomainsRequest(_message.Message):
    __slots__ = ("parent", "topology_keys", "page_size", "page_token", "workload")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_KEYS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    parent: str
    topology_keys: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    workload: str
    def __init__(self, parent: _Optional[str] = ..., topology_keys: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., workload: _Optional[str] = ...) -> None: ...

class TopologyDomain(_message.Message):
    __slots__ = ("topology_key", "value", "nodes", "ready_node_count", "pod_count", "pods")
    TOPOLOGY_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    READY_NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    POD_COUNT_FIELD_NUMBER: _ClassVar[int]
    PODS_FIELD_NUMBER: _ClassVar[int]
    topology_key: str
    value: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    ready_node_count: int
    pod_count: int
    pods: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, topology_key: _Optional[str] = ..., value: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., ready_node_count: _Optional[int] = ..., pod_count: _Optional[int] = ..., pods: _Optional[_Iterable[str]] = ...) -> None: ...

class TopologySkew(_message.Message):
    __slots__ = ("topology_key", "skew", "max_skew", "satisfied")
    TOPOLOGY_KEY_FIELD_NUMBER: _ClassVar[int]
    SKEW_FIELD_NUMBER: _ClassVar[int]
    MAX_SKEW_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    topology_key: str
    skew: int
    max_skew: int
    satisfied: bool
    def __init__(self, topology_key: _Optional[str] = ..., skew: _Optional[int] = ..., max_skew: _Optional[int] = ..., satisfied: _Optional[bool] = ...) -> None: ...

class ListTopologyDomainsResponse(_message.Message):
    __slots__ = ("topology_domains", "next_page_token", "skews")
    TOPOLOGY_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SKEWS_FIELD_NUMBER: _ClassVar[int]
    topology_domains: _containers.RepeatedCompositeFieldContainer[TopologyDomain]
    next_page_token: str
    skews: _containers.RepeatedCompositeFieldContainer[TopologySkew]
    def __init__(self, topology_domains: _Optional[_Iterable[_Union[TopologyDomain, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., skews: _Optional[_Iterable[_Union[TopologySkew, _Mapping]]] = ...) -> None: ...

class ValidateSchedulingRequest(_message.Message):
    __slots__ = ("parent", "workload", "pod_spec", "pod_spec_yaml", "namespace", "nodes", "ignore_resources")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    POD_SPEC_FIELD_NUMBER: _ClassVar[int]
    POD_SPEC_YAML_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    IGNORE_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    workload: str
    pod_spec: _struct_pb2.Struct
    pod_spec_yaml: str
    namespace: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    ignore_resources: bool
    def __init__(self, parent: _Optional[str] = ..., workload: _Optional[str] = ..., pod_spec: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., pod_spec_yaml: _Optional[str] = ..., namespace: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., ignore_resources: _Optional[bool] = ...) -> None: ...

class SchedulingFailure(_message.Message):
    __slots__ = ("type", "message", "detail", "filter")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    type: SchedulingFailureType
    message: str
    detail: str
    filter: str
    def __init__(self, type: _Optional[_Union[SchedulingFailureType, str]] = ..., message: _Optional[str] = ..., detail: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class NodeSchedulingResult(_message.Message):
    __slots__ = ("node", "schedulable", "failures", "preference_score")
    NODE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    node: str
    schedulable: bool
    failures: _containers.RepeatedCompositeFieldContainer[SchedulingFailure]
    preference_score: int
    def __init__(self, node: _Optional[str] = ..., schedulable: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[SchedulingFailure, _Mapping]]] = ..., preference_score: _Optional[int] = ...) -> None: ...

class ValidateSchedulingResponse(_message.Message):
    __slots__ = ("nodes", "schedulable_count", "node_count", "pod_requests", "summary", "chosen_node")
    class PodRequestsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NODES_FIELD_NUMBER: _ClassVar[int]
    SCHEDULABLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    POD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_NODE_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeSchedulingResult]
    schedulable_count: int
    node_count: int
    pod_requests: _containers.ScalarMap[str, str]
    summary: str
    chosen_node: str
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeSchedulingResult, _Mapping]]] = ..., schedulable_count: _Optional[int] = ..., node_count: _Optional[int] = ..., pod_requests: _Optional[_Mapping[str, str]] = ..., summary: _Optional[str] = ..., chosen_node: _Optional[str] = ...) -> None: ...

class GetAffinityGraphRequest(_message.Message):
    __slots__ = ("name", "namespaces", "include_placements", "include_svg")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PLACEMENTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SVG_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    include_placements: bool
    include_svg: bool
    def __init__(self, name: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., include_placements: _Optional[bool] = ..., include_svg: _Optional[bool] = ...) -> None: ...

class AffinityGraphNode(_message.Message):
    __slots__ = ("id", "type", "kind", "namespace", "display_name", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: AffinityGraphNodeType
    kind: str
    namespace: str
    display_name: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[AffinityGraphNodeType, str]] = ..., kind: _Optional[str] = ..., namespace: _Optional[str] = ..., display_name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class AffinityGraphEdge(_message.Message):
    __slots__ = ("source", "target", "type", "required", "weight", "detail")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    type: AffinityEdgeType
    required: bool
    weight: int
    detail: str
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., type: _Optional[_Union[AffinityEdgeType, str]] = ..., required: _Optional[bool] = ..., weight: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class AffinityGraph(_message.Message):
    __slots__ = ("name", "nodes", "edges", "generate_time", "dot", "svg")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DOT_FIELD_NUMBER: _ClassVar[int]
    SVG_FIELD_NUMBER: _ClassVar[int]
    name: str
    nodes: _containers.RepeatedCompositeFieldContainer[AffinityGraphNode]
    edges: _containers.RepeatedCompositeFieldContainer[AffinityGraphEdge]
    generate_time: _timestamp_pb2.Timestamp
    dot: str
    svg: str
    def __init__(self, name: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[AffinityGraphNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[AffinityGraphEdge, _Mapping]]] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dot: _Optional[str] = ..., svg: _Optional[str] = ...) -> None: ...
