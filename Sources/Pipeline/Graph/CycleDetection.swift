/// Finds a cycle in a directed graph given as node → successors. Returns the cycle as a path that starts and
/// ends at the same node (`[a, b, c, a]`), or nil. Deterministic: nodes and edges are visited in sorted order.
public func findCycle(_ edges: [String: [String]]) -> [String]? {
    enum Mark { case visiting, done }
    var marks: [String: Mark] = [:]
    var stack: [String] = []

    func visit(_ node: String) -> [String]? {
        if marks[node] == .done { return nil }
        if marks[node] == .visiting {
            let start = stack.firstIndex(of: node)!
            return Array(stack[start...]) + [node]
        }
        marks[node] = .visiting
        stack.append(node)
        for next in (edges[node] ?? []).sorted() {
            if let cycle = visit(next) { return cycle }
        }
        stack.removeLast()
        marks[node] = .done
        return nil
    }

    for node in edges.keys.sorted() {
        if let cycle = visit(node) { return cycle }
    }
    return nil
}
