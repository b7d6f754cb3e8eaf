"""A question's dates are what it asks about; a search's dates say which files to look in."""

from __future__ import annotations

import pytest

from drive2.domain.query_intent import is_question


@pytest.mark.parametrize(
    "query",
    [
        "Who won the Ekstraklasa Championship in 2000?",
        "How many interceptions did the Panthers get in 2015",
        "what year did Tesla die",
        "ใครชนะในการแข่งขันเอ็กซตราคลาซาแชมเปียนชิปปี 2000",
        "กีฬาสกีลงเขาในโอลิมปิกฤดูหนาว 2018 จัดขึ้นที่ประเทศใด",
        "ค่าไฟฟ้าเดือนนี้เท่าไหร่",
        "จ่ายค่าเช่าไปแล้วหรือยัง ไหม",
        "invoice from April?",
    ],
)
def test_questions(query: str) -> None:
    assert is_question(query)


@pytest.mark.parametrize(
    "query",
    [
        "photos from April 2024",
        "receipts last week",
        "กาแฟ มีนาคม 2568",
        "ใบเสร็จเดือนที่แล้ว",
        "เมื่อวาน",
        "ไฟไหม้ ปี 2567",  # burn, not the question particle
        "เอกสารใดๆ 2567",  # "any", not "which"
        "Whoville poster 2024",  # an opener only as a whole word
        "",
    ],
)
def test_searches(query: str) -> None:
    assert not is_question(query)
