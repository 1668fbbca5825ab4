"""Answers to follow-up questions, extracted from the reviewed knowledge base with their citations.

    from scapula.answers import answer
    result = answer("does dry needling help?", assessment=assessment, audience="patient")
    result.to_dict()

Never generates text: every block is a reviewed passage (answers.yaml, rules, treatments, exercises,
imaging advice) or the honest "no reviewed answer". Decision support, not a diagnosis.
"""

from .core import MAX_QUESTION, Answer, Answerer, Block, Mode, QuestionError, answer, get_answerer

__all__ = ["MAX_QUESTION", "Answer", "Answerer", "Block", "Mode", "QuestionError", "answer", "get_answerer"]
