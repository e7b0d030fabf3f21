"""course_tools: the tools that deliver the course, kept apart from the teaching library ``course_lib``.

Modules:
    cli        the ``course`` command (lab, test, unit, results, student, site, badges, warm)
    pycheck    stop early on a Python that TensorFlow has no wheels for (stdlib only)
    notebooks  the one notebook finder, the per-profile cell timeouts, headless execution
    runner     ``course results``: run every notebook, write reports/<profile>/RESULTS.md
    results    RESULTS.md from the notebooks' JSON reports
    site       ``course site``: the rendered course site (templates in course_tools/templates/)
    student    ``course student``: student notebooks with the worked solutions replaced by stubs
    badges     ``course badges``: Colab/Binder badges and the Colab install cell, from [project.urls]
    warm       ``course warm``: fill numba's on-disk cache so a student's first UMAP is not a compile
"""
