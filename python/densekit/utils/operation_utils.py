"""Walking the graph of symbolic tensors from the user's side (keras/src/ops/operation_utils.py)."""


def get_source_inputs(tensor):
    """The Input tensors ``tensor`` is computed from, each once, in the order a depth-first walk
    from the first input meets them (keras/src/ops/operation_utils.py): a list, ``[tensor]``
    for a tensor no layer made, and the value itself for what is not a symbolic tensor."""
    if not hasattr(tensor, "_keras_history"):
        return tensor
    sources, walked, stack = [], set(), [tensor]
    while stack:  # (a stack, not recursion: a chain of thousands of layers)
        t = stack.pop()
        node = getattr(t, "_node", None)
        if node is None or node.is_input:
            if all(t is not s for s in sources):
                sources.append(t)
        elif id(node) not in walked:
            walked.add(id(node))
            stack.extend(reversed(node.inputs))
    return sources
