"""Positions from the holding statement alone (analysis.statement_positions)
equal those of the whole top-level statement (analysis.positions' skeleton),
for every node a rule could report and every statement around it."""
import ast

import libcst as cst

from gaelint.analysis import positions, walk
from gaelint.analysis.context import resolve_qualname

TRICKY = '''\
import os, socket
class Server(socket.socket,
             object):   # bases on two lines
    """Doc."""

    @staticmethod
    # a comment between decorators
    @property
    def make(port=socket.socket(), *args,
             **kwargs):
        s = socket.socket(
            socket.AF_INET,
                socket.SOCK_STREAM)  # re-indented continuation
        with open(os.path.join('a',
                               'b'), 'w') as f: f.write('x'); os.remove('y')
        if port: os.remove('z')
        elif os.path.exists('q'):
            os.remove('q')
        else: os.remove('w')
        for name in os.listdir('.'):
            os.unlink(name)
        else:
            os.remove('e')
        while os.path.exists('t'): os.remove('t')
        try:
            import json
        except ImportError:
            os.remove('fallback')
        return s
if True:
\tx = os.remove(  'tab'  )
caf\u00e9 = "\u00e9t\u00e9"; os.remove(caf\u00e9)
def g(): return os.remove('one-liner')
'''


def _both(text):
    module = cst.parse_module(text)
    model = walk.build(module, {cst.Call, cst.Name, cst.Attribute, cst.With, cst.If, cst.FunctionDef,
                                cst.ClassDef}, resolve_qualname)
    sites = [(node, site) for kind in model.nodes.values() for node, site in kind]
    assert len(sites) > 60
    tops = {site.top for _, site in sites}
    nodes, holders, lines_of = [], {}, []
    for node, site in sites:
        held = (site.statement, site.top)
        nodes += [node, site.statement, getattr(site.statement, "body", None)]
        holders[id(node)] = holders[id(site.statement)] = held
        body = getattr(site.statement, "body", None)
        if isinstance(body, cst.CSTNode):
            holders[id(body)] = held
        lines_of.extend((handler, site.top) for _, handler in site.handled)
    skeleton = positions.compute(module, text, tops, nodes)
    alone = positions.compute(module, text, tops, nodes, holders=holders, lines_of=lines_of,
                              reported=[node for node, _ in sites], tree=ast.parse(text))
    return sites, skeleton, alone


DECORATED = [
    "import os\nclass A:\n    @\\\n    staticmethod\n    def f(a=os.getcwd()):\n        os.remove(a)\n",
    "import os\nclass A:\n    @(\n        staticmethod)\n    def f(a=os.getcwd()):\n        pass\n",
    "import os\n@property\n# c\n@staticmethod\ndef f(a=os.getcwd()):\n    pass\n",
]


def test_one_node_at_a_time_as_findings_come():
    """Each site alone (a finding is usually the only one of its top-level
    statement), on the tricky module and on decorators spelled over lines."""
    for text in [TRICKY, *DECORATED]:
        module = cst.parse_module(text)
        model = walk.build(module, {cst.Call}, resolve_qualname)
        for node, site in model.nodes[cst.Call]:
            held = (site.statement, site.top)
            holders = {id(node): held, id(site.statement): held}
            nodes = [node, site.statement]
            skeleton = positions.compute(module, text, [site.top], nodes)
            alone = positions.compute(module, text, [site.top], nodes, holders=holders, reported=[node],
                                      tree=ast.parse(text))
            assert alone[node] == skeleton[node], (text, cst.Module(body=[]).code_for_node(node))
            assert alone[site.statement].start == skeleton[site.statement].start


def test_each_reported_node_has_the_position_the_whole_statement_gives():
    sites, skeleton, alone = _both(TRICKY)
    for node, site in sites:
        assert alone[node] == skeleton[node], cst.Module(body=[]).code_for_node(node)
        assert alone[site.statement].start == skeleton[site.statement].start
        body = getattr(site.statement, "body", None)
        if isinstance(body, cst.CSTNode):
            assert alone[body].start.line == skeleton[body].start.line
        for _, handler in site.handled:
            assert alone[handler].start.line == skeleton[handler].start.line


def test_the_statement_alone_is_what_most_findings_take():
    """The fast path must actually be taken: for calls, only a top-level
    statement holding an `elif` test or an `except` line falls back."""
    module = cst.parse_module(TRICKY)
    sites = walk.build(module, {cst.Call}, resolve_qualname).nodes[cst.Call]
    holders = {}
    for node, site in sites:
        holders[id(node)] = holders[id(site.statement)] = (site.statement, site.top)
    taken = []
    original = positions._top_positions

    def spy(*args):
        taken.append(args[1])
        return original(*args)

    positions._top_positions = spy
    try:
        found = positions.compute(module, TRICKY, {s.top for _, s in sites}, [n for n, _ in sites],
                                  holders=holders, reported=[n for n, _ in sites])
    finally:
        positions._top_positions = original
    assert len(sites) > 15 and all(node in found for node, _ in sites)
    assert taken == [module.body[1]], "only the class (its `elif`) is positioned whole"
