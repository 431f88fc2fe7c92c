"""The four cooperation steps of the city's guideline and each ward's and area's
assessments against their checkpoints (取組チェックポイント).

``checkpoints.json`` holds the steps and checkpoints word for word as the document has
them; ``reference`` seeds them, ``assessments`` records and reads the reviews."""
