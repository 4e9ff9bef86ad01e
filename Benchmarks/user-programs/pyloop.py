# A pyperformance-style workload for the process-VM benchmark: objects, method
# calls, attribute access, dicts, lists and strings, as richards and chaos
# exercise them; deterministic, so every engine prints the same line.
class Task:
    __slots__ = ("name", "priority", "work", "links")

    def __init__(self, name, priority):
        self.name, self.priority, self.work, self.links = name, priority, 0, []

    def run(self, step):
        self.work += (step * self.priority) % 7
        return self.work & 1


def schedule(rounds):
    tasks = [Task(f"task{i}", i % 5 + 1) for i in range(64)]
    for i, task in enumerate(tasks):
        task.links = [tasks[(i * 7 + j) % 64] for j in range(3)]
    counts = {}
    for step in range(rounds):
        for task in tasks:
            if task.run(step):
                for other in task.links:
                    counts[other.name] = counts.get(other.name, 0) + 1
    words = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return sum(t.work for t in tasks), ",".join(f"{name}:{count}" for name, count in words)


print(*schedule(6000))
