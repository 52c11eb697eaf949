"""Keras 3 weights files of models with nested models, read onto the inlined densekit model.

Keras stores a nested model's layers under the nested model's own path
(keras/src/saving/saving_lib.py, ``_save_container_state``): ``layers/sequential/layers/dense/vars``
for a Dense in a Sequential used as a layer, with ``vars/0``, ``vars/1``, ... as for any layer.
Keras's ``load_weights`` finds a layer's group by that path, which follows the nesting; densekit's
graph is flat (keras_nested.py inlines nested models), so those paths no longer exist in the
model. Every ``vars`` group also carries the name of the layer (or nested model) it belongs to
as an attribute, and densekit's inlined layers keep their names: so each layer takes the group
Keras wrote under its name, and the group's key must be its class's (``dense``, ``dense_1`` for
a Dense), as Keras's path rule gives it.

The optimizer's slots follow the nested model's weight order (each nested model's layers in its
own order, where it stands among the outer model's layers). HDF5 keeps a group's members sorted
by name, not in Keras's order, so that order is taken from the model (which keeps the order of
the file it was loaded from) and checked against what the file does show: each nested model's
layers together, and a nested model's layers of one class in the order of their keys.
"""

import collections
import re

from densekit import _core
from densekit.saving.keras_layout import KerasFileError

_KEY = re.compile(r"^(.*?)(?:_(\d+))?$")  # "dense_2" -> ("dense", "2"): Keras numbers repeats of a class

# One member of a ``layers`` group: a layer (its h5py datasets, not read: keras_reader wraps
# them for their shapes to be checked first; children None) or a nested model (its own members
# as children).
Member = collections.namedtuple("Member", "path key name arrays children")


def is_nested(h5file):
    """Whether a Keras 3 weights file holds nested models (a ``layers/<key>/layers`` group)."""
    layers = h5file.get("layers")
    return layers is not None and any("layers" in layers[key] for key in layers)


def _members(group, path):
    out = []
    for key in group:
        member = group[key]
        name = member["vars"].attrs.get("name") if "vars" in member else None
        name = name.decode() if isinstance(name, bytes) else name
        if "layers" in member:
            out.append(Member(f"{path}/{key}", key, name, None, _members(member["layers"], f"{path}/{key}/layers")))
            continue
        arrays = member.get("vars")
        keys = sorted(arrays.keys(), key=int) if arrays is not None else []
        if keys != [str(i) for i in range(len(keys))]:
            raise ValueError(f"the variables of '{path}/{key}' are not numbered 0..{len(keys) - 1}: {keys}")
        out.append(Member(f"{path}/{key}", key, name, [arrays[k] for k in keys], None))
    return out


def _layers(members):
    for member in members:
        if member.children is None:
            yield member
        else:
            yield from _layers(member.children)


def read(h5file, layers, source):
    """({layer name: datasets}, the file's members) for the model's ``layers`` ((name, class name)
    pairs), each layer's arrays from the group Keras wrote under its name."""
    members = _members(h5file["layers"], "layers")
    classes = dict(layers)
    weights = {}
    for member in _layers(members):
        if member.name is None and member.arrays:
            raise KerasFileError(f"{source} records no layer name at '{member.path}' (Keras 3 versions before the "
                                 "names were added to weights files wrote none), so the layers of its nested models "
                                 "cannot be found in the inlined model. Load the whole .keras or .h5 model instead.")
        if member.name in weights:
            raise KerasFileError(f"{source}: two layers are named '{member.name}' in its nested models; densekit "
                                 "matches a nested model's layers by name (the inlined model has no nesting).")
        if member.name not in classes:
            if member.arrays:
                raise KerasFileError(f"{source} holds weights for layer '{member.name}' (at '{member.path}'), "
                                     f"which the model does not have. Its layers: {list(classes)}.")
            continue  # a nested model's InputLayer, which inlining removes
        if _KEY.match(member.key).group(1) != _core.to_snake_case(classes[member.name]):
            raise KerasFileError(f"{source}: layer '{member.name}' is a {classes[member.name]} in the model, but the "
                                 f"file keeps a '{member.key}' under that name (at '{member.path}').")
        weights[member.name] = member.arrays
    return weights, members


def in_nested_order(layer_names, members):
    """Whether the model's layer order (``layer_names``) can be the nested model's, as far as the
    file shows it: each nested model's layers together, same-class members in their keys' order."""
    position = {name: i for i, name in enumerate(layer_names)}

    def places(member):
        if member.children is None:
            return [position[member.name]] if member.name in position else []
        return [p for child in member.children for p in places(child)]

    def ordered(members):
        by_class = collections.defaultdict(list)
        for member in members:
            found = places(member)
            if member.children is not None and (not ordered(member.children) or
                                                (found and max(found) - min(found) + 1 != len(found))):
                return False
            if found:
                base, number = _KEY.match(member.key).groups()
                by_class[base].append((int(number or 0), min(found)))
        return all([p for _, p in sorted(group)] == sorted(p for _, p in group) for group in by_class.values())

    return ordered(members)
