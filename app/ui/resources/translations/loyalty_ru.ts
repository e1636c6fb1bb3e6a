<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>AdminTab</name>
    <message>
        <location filename="../../manager/audit_words.py" line="22" />
        <source>Program changed</source>
        <translation>Программа изменена</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="23" />
        <source>Points adjusted</source>
        <translation>Баллы изменены вручную</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="24" />
        <source>Card replaced</source>
        <translation>Карта заменена</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="25" />
        <source>Card blocked</source>
        <translation>Карта заблокирована</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="26" />
        <source>Card unblocked</source>
        <translation>Карта разблокирована</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="27" />
        <source>Refund</source>
        <translation>Возврат</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="28" />
        <source>Cashier added</source>
        <translation>Кассир добавлен</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="29" />
        <source>Cashier enabled</source>
        <translation>Кассир включён</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="30" />
        <source>Cashier disabled</source>
        <translation>Кассир отключён</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="31" />
        <source>PIN reset</source>
        <translation>PIN изменён</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="32" />
        <source>Role changed</source>
        <translation>Роль изменена</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="33" />
        <source>Shift opened</source>
        <translation>Смена открыта</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="34" />
        <source>Shift closed</source>
        <translation>Смена закрыта</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="35" />
        <source>Setting changed</source>
        <translation>Изменена настройка</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="36" />
        <source>Connected to the server</source>
        <translation>Подключение к серверу</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="37" />
        <source>Wrong PIN</source>
        <translation>Неверный PIN</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="38" />
        <source>PIN entry locked</source>
        <translation>Ввод PIN заблокирован</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="39" />
        <source>Catalog imported</source>
        <translation>Загружен каталог</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="40" />
        <source>Staff phone set</source>
        <translation>Телефон сотрудника задан</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="41" />
        <source>Confirmation code sent</source>
        <translation>Код подтверждения отправлен</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="42" />
        <source>Wrong confirmation code</source>
        <translation>Неверный код подтверждения</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="43" />
        <source>Wrong phone code</source>
        <translation>Неверный код с телефона</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="44" />
        <source>Spending confirmed by SMS</source>
        <translation>Списание подтверждено по SMS</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="45" />
        <source>Spending confirmed by the phone's code</source>
        <translation>Списание подтверждено кодом с телефона</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="46" />
        <source>Spending confirmed by a manager</source>
        <translation>Списание подтвердил менеджер</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="47" />
        <source>Register receipt attached</source>
        <translation>Привязан кассовый чек</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="48" />
        <source>Sale</source>
        <translation>Продажа</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="49" />
        <source>Customer enrolled</source>
        <translation>Новый покупатель</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="162" />
        <source>Customer card</source>
        <translation>Карта покупателя</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="163" />
        <source>Cashiers</source>
        <translation>Кассиры</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="164" />
        <source>Audit log</source>
        <translation>Журнал действий</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="179" />
        <source>Card, phone or name</source>
        <translation>Карта, телефон или имя</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="181" />
        <source>Find</source>
        <translation>Найти</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="187" />
        <location filename="../../manager/admin.py" line="513" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="188" />
        <source>Phone</source>
        <translation>Телефон</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="189" />
        <source>Card</source>
        <translation>Карта</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="200" />
        <source>Customer</source>
        <translation>Покупатель</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="202" />
        <source>Find a customer and choose them in the list.</source>
        <translation>Найдите покупателя и выберите его в списке.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="212" />
        <source>Change</source>
        <translation>Изменить</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="220" />
        <source>Why (required)</source>
        <translation>Причина (обязательно)</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="221" />
        <source>Add or remove points</source>
        <translation>Начислить или списать баллы</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="223" />
        <source>Points (+ add, − remove)</source>
        <translation>Баллы (+ начислить, − списать)</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="224" />
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="228" />
        <source>empty: next number</source>
        <translation>пусто — следующий номер</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="230" />
        <source>Replace a lost card</source>
        <translation>Заменить потерянную карту</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="232" />
        <source>New card number</source>
        <translation>Номер новой карты</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="234" />
        <location filename="../../manager/admin.py" line="317" />
        <source>Block the card</source>
        <translation>Заблокировать карту</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="237" />
        <source>QR for the customer's phone</source>
        <translation>QR для телефона покупателя</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="239" />
        <source>The customer scans it once with an authenticator app: its codes then confirm paying points</source>
        <translation>Покупатель один раз сканирует его приложением-аутентификатором: его коды потом подтверждают списание баллов</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="291" />
        <source>Nobody found</source>
        <translation>Никто не найден</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="308" />
        <source>Tier: {tier}</source>
        <translation>Уровень: {tier}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="309" />
        <source>Available: {points}</source>
        <translation>Доступно: {points}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="310" />
        <source>Pending: {points}</source>
        <translation>Ожидает активации: {points}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="313" />
        <source>Debt: {points}</source>
        <translation>Долг: {points}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="315" />
        <source>The card is BLOCKED</source>
        <translation>Карта ЗАБЛОКИРОВАНА</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="317" />
        <source>Unblock the card</source>
        <translation>Разблокировать карту</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="335" />
        <source>Enter the points to add (or, with a minus, to remove)</source>
        <translation>Введите, сколько баллов начислить (или со знаком минус — списать)</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="338" />
        <source>Say why the points are adjusted</source>
        <translation>Укажите причину изменения баллов</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="349" />
        <source>Cannot remove {points}: the card has {available}, and a balance cannot go below zero by hand.</source>
        <translation>Нельзя списать {points}: на карте {available}, а вручную баланс не может уйти ниже нуля.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="376" />
        <source>Add {points} to card {card} ({name})?</source>
        <translation>Начислить {points} на карту {card} ({name})?</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="378" />
        <source>Remove {points} from card {card} ({name})?</source>
        <translation>Списать {points} с карты {card} ({name})?</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="380" />
        <source>Balance now: {now}. After: {after}.</source>
        <translation>Баланс сейчас: {now}. После: {after}.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="383" />
        <source>Reason: {reason}</source>
        <translation>Причина: {reason}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="388" />
        <source>Adjust points</source>
        <translation>Изменить баллы</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="389" />
        <source>Nothing changed.</source>
        <translation>Ничего не изменено.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="406" />
        <source>Done. Balance: {points}</source>
        <translation>Готово. Баланс: {points}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="415" />
        <source>Card {card} stops working and its points move to the new card. Go on?</source>
        <translation>Карта {card} перестанет работать, её баллы перейдут на новую карту. Продолжить?</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="418" />
        <source>Replace the card</source>
        <translation>Замена карты</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="451" />
        <source>Phone setup for card {card}</source>
        <translation>Настройка телефона для карты {card}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="455" />
        <source>The customer scans this QR once with an authenticator app; the 6 digits it shows then confirm paying with points, even without the network.</source>
        <translation>Покупатель один раз сканирует этот QR приложением-аутентификатором; 6 цифр, которые оно показывает, подтверждают списание баллов, даже без сети.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="474" />
        <source>New card {card}</source>
        <translation>Новая карта {card}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="477" />
        <source>Card {old} replaced by {new}; the points moved with it.</source>
        <translation>Карта {old} заменена на {new}; баллы перенесены.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="491" />
        <source>Block card {card}? It will be refused at the till.</source>
        <translation>Заблокировать карту {card}? На кассе её не примут.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="491" />
        <source>Unblock card {card}?</source>
        <translation>Разблокировать карту {card}?</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="493" />
        <source>Block or unblock</source>
        <translation>Блокировка карты</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="502" />
        <source>The card is blocked.</source>
        <translation>Карта заблокирована.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="502" />
        <source>The card works again.</source>
        <translation>Карта снова работает.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="514" />
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="515" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="522" />
        <source>Add…</source>
        <translation>Добавить…</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="524" />
        <location filename="../../manager/admin.py" line="566" />
        <source>Disable</source>
        <translation>Отключить</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="526" />
        <source>New PIN…</source>
        <translation>Новый PIN…</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="528" />
        <location filename="../../manager/admin.py" line="567" />
        <source>Make manager</source>
        <translation>Сделать менеджером</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="530" />
        <source>Own phone…</source>
        <translation>Свой телефон…</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="531" />
        <source>The staff member's own phone: their card's use is watched</source>
        <translation>Личный телефон сотрудника: за его картой присматривают</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="547" />
        <source>manager</source>
        <translation>менеджер</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="547" />
        <source>cashier</source>
        <translation>кассир</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="550" />
        <source>works</source>
        <translation>работает</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="550" />
        <source>disabled</source>
        <translation>отключён</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="566" />
        <source>Enable</source>
        <translation>Включить</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="567" />
        <source>Make cashier</source>
        <translation>Сделать кассиром</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="584" />
        <source>Saved.</source>
        <translation>Сохранено.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="634" />
        <source>Own phone</source>
        <translation>Личный телефон</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="636" />
        <source>{name}'s own phone (empty: none). Their card's sales are watched in «Suspicious activity».</source>
        <translation>Личный телефон: {name} (пусто — нет). Покупки по его карте видны в «Подозрительных операциях».</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="655" />
        <source>{name}'s own phone: {phone}.</source>
        <translation>Личный телефон ({name}): {phone}.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="655" />
        <source>{name} has no own phone given.</source>
        <translation>Личный телефон ({name}) не указан.</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="673" />
        <source>All actions</source>
        <translation>Все действия</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="675" />
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="677" />
        <source>Save as CSV…</source>
        <translation>Сохранить в CSV…</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="679" />
        <source>Action:</source>
        <translation>Действие:</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="686" />
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="687" />
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="688" />
        <source>Action</source>
        <translation>Действие</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="689" />
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="760" />
        <source>Folder for the audit log</source>
        <translation>Папка для журнала действий</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="775" />
        <source>Saved: {path}</source>
        <translation>Сохранено: {path}</translation>
    </message>
</context>
<context>
    <name>Audit</name>
    <message>
        <location filename="../../manager/audit_words.py" line="54" />
        <source>{name}, {role}</source>
        <translation>{name}, {role}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="55" />
        <location filename="../../manager/audit_words.py" line="56" />
        <location filename="../../manager/audit_words.py" line="57" />
        <location filename="../../manager/audit_words.py" line="68" />
        <source>Cashier {name}</source>
        <translation>Кассир {name}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="58" />
        <source>{name}: {old} → {new}</source>
        <translation>{name}: {old} → {new}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="59" />
        <source>Shift No. {shift}</source>
        <translation>Смена № {shift}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="60" />
        <source>Shift No. {shift}: sales {sales} for {sales_kopecks}, refunds {refunds} for {refunds_kopecks}</source>
        <translation>Смена № {shift}: продаж {sales} на {sales_kopecks}, возвратов {refunds} на {refunds_kopecks}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="63" />
        <source>Refund No. {refund} of sale No. {sale}, cashier {cashier}: {back_kopecks} back; points taken back {taken_points}, returned {given_points}</source>
        <translation>Возврат № {refund} по продаже № {sale}, кассир {cashier}: возвращено {back_kopecks}; баллов списано {taken_points}, возвращено {given_points}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="76" />
        <source>Card {card}: {points} ({reason}); balance {balance_points}</source>
        <translation>Карта {card}: {points} ({reason}); остаток {balance_points}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="77" />
        <source>Card {old} replaced by card {new}</source>
        <translation>Карта {old} заменена на карту {new}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="69" />
        <location filename="../../manager/audit_words.py" line="70" />
        <location filename="../../manager/audit_words.py" line="71" />
        <location filename="../../manager/audit_words.py" line="72" />
        <location filename="../../manager/audit_words.py" line="73" />
        <location filename="../../manager/audit_words.py" line="78" />
        <location filename="../../manager/audit_words.py" line="79" />
        <source>Card {card}</source>
        <translation>Карта {card}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="74" />
        <source>Card {card}: manager {manager}, reason: {reason}</source>
        <translation>Карта {card}: менеджер {manager}, причина: {reason}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="75" />
        <source>Sale No. {sale}: receipt FD {fd}, fiscal drive {fn}</source>
        <translation>Продажа № {sale}: чек ФД {fd}, ФН {fn}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="80" />
        <source>{key}: «{old}» → «{new}»</source>
        <translation>{key}: «{old}» → «{new}»</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="81" />
        <source>Server {url}</source>
        <translation>Сервер {url}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="82" />
        <source>{products} products</source>
        <translation>Товаров: {products}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="83" />
        <source>Version {version} «{name}» from {when}; changed: {changes}</source>
        <translation>Версия {version} «{name}» с {when}; изменено: {changes}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="84" />
        <source>{purpose}: wrong PINs in a row {failures}, locked for {lock_seconds}</source>
        <translation>{purpose}: неверных PIN подряд {failures}, блокировка на {lock_seconds}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="85" />
        <source>{purpose}: refused unchecked, locked for {wait_seconds} more</source>
        <translation>{purpose}: отказ без проверки, блокировка ещё на {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="86" />
        <source>Sale No. {sale}: {total_kopecks}</source>
        <translation>Продажа № {sale}: {total_kopecks}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="87" />
        <source>Card {card} issued, {granted_points} granted</source>
        <translation>Выдана карта {card}, начислено {granted_points}</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="90" />
        <source>{purpose}: wrong PINs in a row {failures}, not locked</source>
        <translation>{purpose}: неверных PIN подряд {failures}, без блокировки</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="94" />
        <source>Login</source>
        <translation>Вход</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="95" />
        <source>Manager approval</source>
        <translation>Подтверждение менеджера</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="98" />
        <source>cashier</source>
        <translation>кассир</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="99" />
        <source>manager</source>
        <translation>менеджер</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="103" />
        <source>Receipt printer</source>
        <translation>Принтер чеков</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="104" />
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="105" />
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="106" />
        <source>Store name and address</source>
        <translation>Название и адрес магазина</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="107" />
        <source>Store name</source>
        <translation>Название магазина</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="108" />
        <source>Store address</source>
        <translation>Адрес магазина</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="109" />
        <source>Backup every (hours)</source>
        <translation>Резервная копия каждые (часов)</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="110" />
        <source>Backups kept</source>
        <translation>Хранить резервных копий</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="111" />
        <source>Backup on closing</source>
        <translation>Резервная копия при закрытии</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="150" />
        <source>now</source>
        <translation>сейчас</translation>
    </message>
    <message>
        <location filename="../../manager/audit_words.py" line="154" />
        <source>nothing</source>
        <translation>ничего</translation>
    </message>
</context>
<context>
    <name>BackupScheduler</name>
    <message>
        <location filename="../../backups.py" line="176" />
        <source>The automatic backup failed: {reason}. The till keeps working; it will try again.</source>
        <translation>Автоматическая резервная копия не сохранилась: {reason}. Касса работает дальше и попробует ещё раз.</translation>
    </message>
</context>
<context>
    <name>BasketModel</name>
    <message>
        <location filename="../../checkout/basket_model.py" line="28" />
        <source>Item</source>
        <translation>Товар</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="29" />
        <source>Qty</source>
        <translation>Кол.</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="30" />
        <source>Price</source>
        <translation>Цена</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="31" />
        <source>Discount</source>
        <translation>Скидка</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="32" />
        <source>Points</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="33" />
        <source>To pay</source>
        <translation>К оплате</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="145" />
        <source>gift</source>
        <translation>подарок</translation>
    </message>
    <message>
        <location filename="../../checkout/basket_model.py" line="148" />
        <source>Gift: {name}</source>
        <translation>Подарок: {name}</translation>
    </message>
</context>
<context>
    <name>BesidePanel</name>
    <message>
        <location filename="../../checkout/beside.py" line="33" />
        <source>Key into the fiscal register</source>
        <translation>Пробейте на кассе</translation>
    </message>
    <message>
        <location filename="../../checkout/beside.py" line="35" />
        <source>Discount on the receipt</source>
        <translation>Скидка в чеке</translation>
    </message>
    <message>
        <location filename="../../checkout/beside.py" line="37" />
        <source>Amount to collect</source>
        <translation>Получить с покупателя</translation>
    </message>
    <message>
        <location filename="../../checkout/beside.py" line="42" />
        <source>Then scan the QR code of the register's receipt: it is recorded with the sale.</source>
        <translation>Затем отсканируйте QR-код кассового чека: он будет привязан к продаже.</translation>
    </message>
</context>
<context>
    <name>Busy</name>
    <message>
        <location filename="../../manager/widgets.py" line="103" />
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
</context>
<context>
    <name>CameraChooser</name>
    <message>
        <location filename="../../wizard/devices.py" line="353" />
        <source>no camera</source>
        <translation>нет камеры</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="354" />
        <source>Video file…</source>
        <translation>Видеофайл…</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="359" />
        <location filename="../../wizard/devices.py" line="418" />
        <source>Test scan</source>
        <translation>Проверить сканирование</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="368" />
        <source>Camera number (0 is the first camera) or a video file</source>
        <translation>Номер камеры (0 — первая камера) или видеофайл</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="390" />
        <source>Video file</source>
        <translation>Видеофайл</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="390" />
        <source>Videos (*.avi *.mp4 *.mkv *.mov);;All files (*)</source>
        <translation>Видео (*.avi *.mp4 *.mkv *.mov);;Все файлы (*)</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="403" />
        <source>Enter a camera number or choose a video file first</source>
        <translation>Сначала укажите номер камеры или выберите видеофайл</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="411" />
        <source>Stop</source>
        <translation>Остановить</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="412" />
        <source>Opening the camera…</source>
        <translation>Включаем камеру…</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="431" />
        <source>Hold a loyalty card or any QR code or barcode to the camera…</source>
        <translation>Поднесите к камере карту лояльности или любой QR-код или штрихкод…</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="437" />
        <source>The camera read: {code}</source>
        <translation>Камера прочитала: {code}</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="445" />
        <source>The camera is not available: {reason}. Check the cable or try another number.</source>
        <translation>Камера недоступна: {reason}. Проверьте кабель или попробуйте другой номер.</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="454" />
        <source>The video ended without a readable code</source>
        <translation>Видео закончилось, а код так и не прочитан</translation>
    </message>
</context>
<context>
    <name>CashierDialog</name>
    <message>
        <location filename="../../manager/admin.py" line="78" />
        <source>New cashier</source>
        <translation>Новый кассир</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="84" />
        <source>Cashier</source>
        <translation>Кассир</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="85" />
        <source>Manager</source>
        <translation>Менеджер</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="89" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="90" />
        <source>PIN (4–8 digits)</source>
        <translation>PIN (4–8 цифр)</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="91" />
        <source>PIN again</source>
        <translation>PIN ещё раз</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="92" />
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="101" />
        <source>The two PINs differ: type it again</source>
        <translation>PIN-коды не совпадают: введите ещё раз</translation>
    </message>
</context>
<context>
    <name>CheckoutController</name>
    <message>
        <location filename="../../checkout/controller.py" line="195" />
        <source>This card is blocked: the sale goes without loyalty.</source>
        <translation>Карта заблокирована: продажа пройдёт без бонусов.</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="325" />
        <source>Coupon removed</source>
        <translation>Купон снят</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="326" />
        <source>Gift removed</source>
        <translation>Подарок снят</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="327" />
        <source>Points changed</source>
        <translation>Баллы изменены</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="328" />
        <source>Card detached</source>
        <translation>Карта откреплена</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="376" />
        <source>Still pricing, one moment…</source>
        <translation>Идёт расчёт, секунду…</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="494" />
        <source>The customer's phone confirms paying with points.</source>
        <translation>Телефон покупателя подтвердил списание баллов.</translation>
    </message>
    <message>
        <location filename="../../checkout/controller.py" line="504" />
        <source>Saving the sale, one moment…</source>
        <translation>Продажа сохраняется, секунду…</translation>
    </message>
</context>
<context>
    <name>CheckoutScreen</name>
    <message>
        <location filename="../../checkout/screen.py" line="89" />
        <source>Scan, or type a product name or code (F3)</source>
        <translation>Сканируйте или введите товар или код (F3)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="90" />
        <source>Free price (F8)</source>
        <translation>Своя цена (F8)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="93" />
        <source>Pay (F12)</source>
        <translation>Оплата (F12)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="104" />
        <source>Hold the card's QR code or the product's barcode to the camera (F10: off)</source>
        <translation>Поднесите к камере QR-код карты или штрихкод товара (F10 — выключить)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="125" />
        <source>Card, phone, name</source>
        <translation>Карта, телефон, имя</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="126" />
        <source>New (F4)</source>
        <translation>Новый (F4)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="154" />
        <source>Ready. Scan a product or the customer's card.</source>
        <translation>Готово. Сканируйте товар или карту покупателя.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="222" />
        <source>To pay: {total}</source>
        <translation>К оплате: {total}</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="245" />
        <source>Customer: {name}</source>
        <translation>Покупатель: {name}</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="262" />
        <source>Sale {id} saved: paid {paid}.</source>
        <translation>Продажа № {id} сохранена: оплачено {paid}.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="264" />
        <source>Earned {points}, balance {balance}.</source>
        <translation>Начислено {points}, на счёте {balance}.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="270" />
        <source>Fiscal receipt No. {n} printed.</source>
        <translation>Кассовый чек (ФД № {n}) напечатан.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="274" />
        <source>The register's receipt is recorded with it.</source>
        <translation>Кассовый чек к ней привязан.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="277" />
        <source>Now scan the register receipt's QR code.</source>
        <translation>Теперь отсканируйте QR-код кассового чека.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="287" />
        <source>No customer has the phone {phone}: press F4 to enroll one with it.</source>
        <translation>Нет покупателя с телефоном {phone}: нажмите F4, чтобы зарегистрировать его с этим номером.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="294" />
        <source>Card {card} is not enrolled yet: press F4 to enroll the customer with it.</source>
        <translation>Карта {card} ещё не выдана: нажмите F4, чтобы зарегистрировать покупателя с ней.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="356" />
        <source>Nothing found for “{text}”</source>
        <translation>Ничего не найдено: «{text}»</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="396" />
        <source>No customer found for “{text}”</source>
        <translation>Покупатель «{text}» не найден</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="440" />
        <source>Paying with points needs the customer's card (F2 or scan)</source>
        <translation>Для оплаты баллами нужна карта покупателя (F2 или сканер)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="453" />
        <source>A gift needs the customer's card (F2 or scan)</source>
        <translation>Для подарка нужна карта покупателя (F2 или сканер)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="492" />
        <source>The basket is empty</source>
        <translation>Корзина пуста</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="495" />
        <location filename="../../checkout/screen.py" line="572" />
        <source>No shift is open: open one (Manager › Shift…), then pay</source>
        <translation>Смена не открыта: откройте её (Управляющий › Смена…), затем оплатите</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="501" />
        <source>This basket cannot be sold: see the message above</source>
        <translation>Эту корзину нельзя продать: причина указана выше</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="527" />
        <source>Not confirmed: nothing was paid. Pay without points, or confirm again.</source>
        <translation>Не подтверждено: ничего не оплачено. Оплатите без баллов или подтвердите ещё раз.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="530" />
        <source>Confirmed: paying with points.</source>
        <translation>Подтверждено: оплата баллами.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="539" />
        <source>Key into the register: discount {discount}, collect {total}.</source>
        <translation>Пробейте на кассе: скидка {discount}, к оплате {total}.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="565" />
        <source>This is a fiscal receipt's QR code, but no register is set beside the till (Manager › Settings… › Fiscal register)</source>
        <translation>Это QR-код кассового чека, но режим «касса рядом» не включён (Управляющий › Настройки… › Касса)</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="575" />
        <source>Still pricing, one moment…</source>
        <translation>Ещё считаю, секунду…</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="590" />
        <source>Find the customer first (F2), then scan the register's receipt to add points for it</source>
        <translation>Сначала найдите покупателя (F2), затем отсканируйте кассовый чек, чтобы начислить за него баллы</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="598" />
        <source>The register's receipt is recorded with sale {id}.</source>
        <translation>Кассовый чек привязан к продаже № {id}.</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="611" />
        <source>Clear this checkout and start over?</source>
        <translation>Очистить чек и начать заново?</translation>
    </message>
    <message>
        <location filename="../../checkout/screen.py" line="616" />
        <source>Checkout cleared.</source>
        <translation>Чек очищен.</translation>
    </message>
</context>
<context>
    <name>ConfirmSpendDialog</name>
    <message>
        <location filename="../../confirm_dialog.py" line="82" />
        <source>The customer confirms paying with points</source>
        <translation>Покупатель подтверждает списание баллов</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="90" />
        <source>Alt+1, Alt+2, Alt+3: the way; Esc: back to the sale, nothing is paid</source>
        <translation>Alt+1, Alt+2, Alt+3 — способ; Esc — назад к продаже, ничего не оплачено</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="96" />
        <location filename="../../confirm_dialog.py" line="117" />
        <source>Send a code by SMS</source>
        <translation>Отправить код по SMS</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="97" />
        <source>QR or code on the customer's phone</source>
        <translation>QR/код с телефона покупателя</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="98" />
        <source>A manager confirms</source>
        <translation>Подтверждает менеджер</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="101" />
        <source>Cancel (Esc)</source>
        <translation>Отмена (Esc)</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="120" />
        <source>The customer gets a 6-digit code on their phone and tells it.</source>
        <translation>Покупателю придёт код из 6 цифр, он его называет.</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="125" />
        <location filename="../../confirm_dialog.py" line="147" />
        <location filename="../../confirm_dialog.py" line="165" />
        <source>Confirm</source>
        <translation>Подтвердить</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="131" />
        <source>Code from the SMS</source>
        <translation>Код из SMS</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="140" />
        <source>Scan the QR on the customer's phone, or type the 6 digits under it (they change every 30 s).</source>
        <translation>Отсканируйте QR на телефоне покупателя или введите 6 цифр под ним (меняются каждые 30 с).</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="152" />
        <source>Code on the phone</source>
        <translation>Код на телефоне</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="162" />
        <source>Why, in a few words (it is kept in the audit log)</source>
        <translation>Почему — в двух словах (сохраняется в журнале)</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="169" />
        <source>Manager's PIN</source>
        <translation>PIN менеджера</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="170" />
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="192" />
        <source>This is not the QR on the customer's phone</source>
        <translation>Это не QR с телефона покупателя</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="196" />
        <source>This QR is of another card ({card})</source>
        <translation>Этот QR другой карты ({card})</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="210" />
        <source>Sending…</source>
        <translation>Отправляем…</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="221" />
        <source>Code sent to {phone}. It works until {time}.</source>
        <translation>Код отправлен на {phone}. Действует до {time}.</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="253" />
        <location filename="../../confirm_dialog.py" line="283" />
        <source>Send a new code</source>
        <translation>Отправить новый код</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="255" />
        <source>A new code in {seconds} s</source>
        <translation>Новый код можно через {seconds} с</translation>
    </message>
    <message>
        <location filename="../../confirm_dialog.py" line="264" />
        <location filename="../../confirm_dialog.py" line="295" />
        <source>The code has 6 digits</source>
        <translation>В коде 6 цифр</translation>
    </message>
</context>
<context>
    <name>CouponsTab</name>
    <message>
        <location filename="../../manager/coupons.py" line="98" />
        <source>Which codes</source>
        <translation>Какие коды</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="102" />
        <source>One code</source>
        <translation>Один код</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="103" />
        <source>Random codes</source>
        <translation>Случайные коды</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="104" />
        <source>Personal codes</source>
        <translation>Личные коды</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="105" />
        <source>A personal code for each customer of a segment</source>
        <translation>Личный код каждому покупателю сегмента</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="110" />
        <source>e.g. SUMMER10</source>
        <translation>например, SUMMER10</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="116" />
        <source>optional, e.g. VIP-</source>
        <translation>необязательно, например VIP-</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="122" />
        <source>Not seen for N days or more</source>
        <translation>Не приходили N дней и больше</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="123" />
        <source>At risk (31–90 days)</source>
        <translation>Под угрозой (31–90 дней)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="124" />
        <source>Lost (over 90 days)</source>
        <translation>Потерянные (больше 90 дней)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="125" />
        <source>Active (30 days)</source>
        <translation>Активные (30 дней)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="126" />
        <source>Never bought</source>
        <translation>Без покупок</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="132" />
        <source> days</source>
        <translation> дн.</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="135" />
        <source>one per customer of the segment</source>
        <translation>каждому покупателю сегмента</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="136" />
        <source>Segment</source>
        <translation>Сегмент</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="137" />
        <source>N</source>
        <translation>N</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="138" />
        <source>Prefix of random codes</source>
        <translation>Начало случайных кодов</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="141" />
        <source>Terms</source>
        <translation>Условия</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="145" />
        <source>Percent off</source>
        <translation>Скидка в процентах</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="146" />
        <source>Roubles off</source>
        <translation>Скидка в рублях</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="149" />
        <source>no minimum</source>
        <translation>без минимума</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="151" />
        <source>all categories</source>
        <translation>все категории</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="152" />
        <location filename="../../manager/coupons.py" line="384" />
        <source>Valid from</source>
        <translation>Действует с</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="154" />
        <location filename="../../manager/coupons.py" line="385" />
        <source>Valid until</source>
        <translation>Действует до</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="164" />
        <source>no limit</source>
        <translation>без ограничения</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="165" />
        <source>No card discount on top (exclusive)</source>
        <translation>Без скидки по карте сверху (эксклюзивный)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="166" />
        <source>Only with a loyalty card</source>
        <translation>Только с картой лояльности</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="167" />
        <source>Kind</source>
        <translation>Вид</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="168" />
        <location filename="../../manager/coupons.py" line="382" />
        <source>Value (% or ₽)</source>
        <translation>Размер (% или ₽)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="169" />
        <location filename="../../manager/coupons.py" line="383" />
        <source>Basket from, ₽</source>
        <translation>Чек от, ₽</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="170" />
        <source>Only categories</source>
        <translation>Только категории</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="173" />
        <location filename="../../manager/coupons.py" line="386" />
        <source>Uses in total</source>
        <translation>Использований всего</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="174" />
        <location filename="../../manager/coupons.py" line="387" />
        <source>Uses per customer</source>
        <translation>Использований на покупателя</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="178" />
        <source>Create the codes (new program version)</source>
        <translation>Создать коды (новая версия программы)</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="205" />
        <source>Codes just made</source>
        <translation>Только что созданные коды</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="209" />
        <location filename="../../manager/coupons.py" line="226" />
        <location filename="../../manager/coupons.py" line="381" />
        <location filename="../../manager/coupons.py" line="388" />
        <source>Code</source>
        <translation>Код</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="210" />
        <location filename="../../manager/coupons.py" line="231" />
        <source>Card</source>
        <translation>Карта</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="211" />
        <source>Customer</source>
        <translation>Покупатель</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="216" />
        <source>Save the codes as CSV…</source>
        <translation>Сохранить коды в CSV…</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="222" />
        <source>Coupons in the program</source>
        <translation>Купоны в программе</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="227" />
        <source>Discount</source>
        <translation>Скидка</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="228" />
        <source>Basket from</source>
        <translation>Чек от</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="229" />
        <source>Until</source>
        <translation>До</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="230" />
        <source>Uses: all / per card</source>
        <translation>Использований: всего / на карту</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="290" />
        <source>A percentage above 0 and at most 100 is needed</source>
        <translation>Нужен процент больше 0 и не больше 100</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="301" />
        <source>The discount must be more than 0 ₽</source>
        <translation>Скидка должна быть больше 0 ₽</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="320" />
        <source>An amount in roubles like 1 500 or 149,90 is needed</source>
        <translation>Нужна сумма в рублях, например 1 500 или 149,90</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="332" />
        <source>Type the code</source>
        <translation>Введите код</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="335" />
        <source>Saving…</source>
        <translation>Сохранение…</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="367" />
        <source>{n} code(s) saved in program version {v}.</source>
        <translation>Кодов сохранено: {n}, версия программы {v}.</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="397" />
        <source>Folder for the codes</source>
        <translation>Папка для кодов</translation>
    </message>
    <message>
        <location filename="../../manager/coupons.py" line="408" />
        <source>Saved: {path}</source>
        <translation>Сохранено: {path}</translation>
    </message>
</context>
<context>
    <name>CustomerDisplay</name>
    <message>
        <location filename="../../customer_display.py" line="280" />
        <location filename="../../customer_display.py" line="562" />
        <source>Customer display</source>
        <translation>Экран покупателя</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="363" />
        <source>Subtotal</source>
        <translation>Сумма</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="364" />
        <source>Discount</source>
        <translation>Скидка</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="365" />
        <source>Paid with points</source>
        <translation>Оплачено баллами</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="366" />
        <location filename="../../customer_display.py" line="398" />
        <source>To pay</source>
        <translation>К оплате</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="367" />
        <source>Join our loyalty programme</source>
        <translation>Станьте участником программы лояльности</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="368" />
        <source>Point your phone's camera at the code</source>
        <translation>Наведите камеру телефона на код</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="379" />
        <source>Thank you for your purchase!</source>
        <translation>Спасибо за покупку!</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="381" />
        <source>Your purchase</source>
        <translation>Ваша покупка</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="383" />
        <source>Welcome!</source>
        <translation>Добро пожаловать!</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="395" />
        <source>Paid</source>
        <translation>Оплачено</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="420" />
        <source>gift</source>
        <translation>подарок</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="434" />
        <source>Hello, {name}!</source>
        <translation>Здравствуйте, {name}!</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="435" />
        <source>Tier: {tier}</source>
        <translation>Уровень: {tier}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="439" />
        <source>On your card: {points}</source>
        <translation>На карте: {points}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="441" />
        <source>Thank you!</source>
        <translation>Спасибо!</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="443" />
        <source>Do you have our card?</source>
        <translation>У вас есть наша карта?</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="447" />
        <source>Earned {points}, on your card {balance}</source>
        <translation>Начислено {points}, на карте {balance}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="452" />
        <source>This purchase earns {points}</source>
        <translation>Эта покупка принесёт {points}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="460" />
        <source>Spend {points}?</source>
        <translation>Списать {points}?</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="462" />
        <source>The total goes down by {amount}</source>
        <translation>Сумма к оплате уменьшится на {amount}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="606" />
        <source>The customer display is back on {screen}</source>
        <translation>Экран покупателя снова показан на {screen}</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="646" />
        <source>The customer display's screen {screen} is not connected: it returns when it is</source>
        <translation>Экран покупателя {screen} не подключён: он вернётся, когда его подключат</translation>
    </message>
    <message>
        <location filename="../../customer_display.py" line="650" />
        <source>No second screen for the customer display: it shows when one is connected</source>
        <translation>Нет второго экрана для покупателя: он появится, когда экран подключат</translation>
    </message>
</context>
<context>
    <name>CustomerPanel</name>
    <message>
        <location filename="../../checkout/customer_panel.py" line="91" />
        <source>Sell without this customer</source>
        <translation>Продать без этого покупателя</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="115" />
        <source>Available</source>
        <translation>Доступно</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="128" />
        <source>Card blocked</source>
        <translation>Карта заблокирована</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="133" />
        <source>No customer.
Scan the loyalty card, or press F2 to find by phone or name, F4 to enroll.</source>
        <translation>Покупатель не выбран.
Сканируйте карту, нажмите F2 для поиска по телефону или имени, F4 — регистрация.</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="155" />
        <source>Card {card} · {phone}</source>
        <translation>Карта {card} · {phone}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="156" />
        <source>Tier: &lt;b&gt;{tier}&lt;/b&gt;</source>
        <translation>Уровень: &lt;b&gt;{tier}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="54" />
        <source>{spend} of {goal}: {left} more to {tier}</source>
        <translation>{spend} из {goal}: до уровня {tier} ещё {left}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="51" />
        <source>Top tier</source>
        <translation>Высший уровень</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="162" />
        <source>Pending: {points}</source>
        <translation>Ожидают: {points}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="164" />
        <source>Debt: {points}</source>
        <translation>Долг: {points}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="168" />
        <source>{points} expire on {date}</source>
        <translation>Сгорят {date}: {points}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="173" />
        <source>Nothing expires soon</source>
        <translation>Скоро ничего не сгорает</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="177" />
        <source>Stamps “{rule}”: {dots}</source>
        <translation>Штампы «{rule}»: {dots}</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="179" />
        <source>(one free now)</source>
        <translation>(сейчас одна в подарок)</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="193" />
        <source>Coupons:</source>
        <translation>Купоны:</translation>
    </message>
    <message>
        <location filename="../../checkout/customer_panel.py" line="196" />
        <source>Apply this personal coupon</source>
        <translation>Применить этот личный купон</translation>
    </message>
</context>
<context>
    <name>DashboardTab</name>
    <message>
        <location filename="../../manager/dashboard.py" line="114" />
        <source>Overview</source>
        <translation>Сводка</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="136" />
        <source>This terminal</source>
        <translation>Этот терминал</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="137" />
        <location filename="../../manager/dashboard.py" line="584" />
        <source>Whole chain</source>
        <translation>Вся сеть</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="138" />
        <source>This terminal's sales, or the whole chain's from the server</source>
        <translation>Продажи этого терминала или всей сети (с сервера)</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="144" />
        <source>Today</source>
        <translation>Сегодня</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="145" />
        <source>7 days</source>
        <translation>7 дней</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="146" />
        <source>30 days</source>
        <translation>30 дней</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="147" />
        <source>This month</source>
        <translation>Этот месяц</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="148" />
        <source>Custom</source>
        <translation>Свой период</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="161" />
        <source>All cashiers</source>
        <translation>Все кассиры</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="165" />
        <source>All stores</source>
        <translation>Все магазины</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="170" />
        <source>PDF…</source>
        <translation>PDF…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="171" />
        <source>Save the report as a PDF file</source>
        <translation>Сохранить отчёт в файл PDF</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="173" />
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="174" />
        <source>Save the report's tables as CSV files for Excel</source>
        <translation>Сохранить таблицы отчёта в файлы CSV для Excel</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="176" />
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="207" />
        <source>Revenue</source>
        <translation>Выручка</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="208" />
        <source>Sales</source>
        <translation>Продаж</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="209" />
        <source>Sales with a card</source>
        <translation>С картой</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="210" />
        <source>Average check</source>
        <translation>Средний чек</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="211" />
        <source>Average check, card</source>
        <translation>Средний чек с картой</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="212" />
        <source>Average check, no card</source>
        <translation>Средний чек без карты</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="213" />
        <source>Active cards, 30 days</source>
        <translation>Активные за 30 дней</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="214" />
        <source>New members</source>
        <translation>Новые участники</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="215" />
        <source>Points issued</source>
        <translation>Начислено баллов</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="216" />
        <source>Points redeemed</source>
        <translation>Списано баллов</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="217" />
        <source>Points held by customers</source>
        <translation>Баллы у покупателей</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="218" />
        <source>Liability in roubles</source>
        <translation>Обязательства, ₽</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="232" />
        <source>Revenue by day: with a card and without</source>
        <translation>Выручка по дням: с картой и без</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="233" />
        <source>Active cards (bought in the last 30 days)</source>
        <translation>Активные карты (покупали за 30 дней)</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="234" />
        <source>Points: issued, redeemed, expired</source>
        <translation>Баллы: начислено, списано, сгорело</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="235" />
        <source>Customers by tier</source>
        <translation>Покупатели по уровням</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="238" />
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="384" />
        <source>Asking the server…</source>
        <translation>Запрос к серверу…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="394" />
        <source>Loading figures…</source>
        <translation>Считаем показатели…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="419" />
        <source>Loading report…</source>
        <translation>Считаем отчёт…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="442" />
        <source>Loading the chain's report…</source>
        <translation>Загрузка отчёта сети…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="458" />
        <source>The chain's figures could not be had from the server: {reason}. Showing this terminal's.</source>
        <translation>Не удалось получить цифры сети с сервера: {reason}. Показаны цифры этого терминала.</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="492" />
        <source>The report could not be computed: {reason}</source>
        <translation>Отчёт не удалось посчитать: {reason}</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="501" />
        <source>{first} – {last}, local days ({zone})</source>
        <translation>{first} – {last}, местные дни ({zone})</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="508" />
        <source>Store «{store}», from the server: {period}</source>
        <translation>Магазин «{store}», по данным сервера: {period}</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="510" />
        <source>Whole chain, from the server: {period}</source>
        <translation>Вся сеть, по данным сервера: {period}</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="518" />
        <source>Paid on the period's receipts minus money refunded</source>
        <translation>Оплачено по чекам периода минус возвращённые деньги</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="521" />
        <source>Receipts with a loyalty card</source>
        <translation>Чеки с картой лояльности</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="523" />
        <source>Paid / receipts</source>
        <translation>Оплачено / число чеков</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="526" />
        <source>Customers who bought in the 30 days before the end</source>
        <translation>Покупатели с покупкой за 30 дней до конца периода</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="531" />
        <source>Available and pending points minus debt, at the end</source>
        <translation>Доступные и ожидающие баллы минус долг, на конец периода</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="533" />
        <source>Points held × the value of a point</source>
        <translation>Баллы у покупателей × стоимость балла</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="538" />
        <source>No data in this period</source>
        <translation>За этот период данных нет</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="546" />
        <source>With a card</source>
        <translation>С картой</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="547" />
        <source>Without a card</source>
        <translation>Без карты</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="553" />
        <source>Active cards</source>
        <translation>Активные карты</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="562" />
        <source>Issued</source>
        <translation>Начислено</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="563" />
        <source>Redeemed</source>
        <translation>Списано</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="564" />
        <source>Expired</source>
        <translation>Сгорело</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="570" />
        <source>Customers</source>
        <translation>Покупателей</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="595" />
        <source>Folder for the PDF report</source>
        <translation>Папка для отчёта PDF</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="598" />
        <source>Saving PDF…</source>
        <translation>Сохраняем PDF…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="615" />
        <source>Folder for the CSV files</source>
        <translation>Папка для файлов CSV</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="618" />
        <source>Saving CSV…</source>
        <translation>Сохраняем CSV…</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="633" />
        <source>Saved: {path}</source>
        <translation>Сохранено: {path}</translation>
    </message>
    <message>
        <location filename="../../manager/dashboard.py" line="637" />
        <source>Could not save: {reason}</source>
        <translation>Не удалось сохранить: {reason}</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <location filename="../../wizard/pages.py" line="196" />
        <source>Printer and camera</source>
        <translation>Принтер и камера</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="198" />
        <source>Try both now. Without a receipt printer, receipts are saved as PDF files; the camera is optional.</source>
        <translation>Проверьте их сейчас. Без чекового принтера чеки сохраняются в PDF-файлы; камера не обязательна.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="202" />
        <source>Receipt printer</source>
        <translation>Чековый принтер</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="204" />
        <source>Camera for loyalty cards</source>
        <translation>Камера для карт лояльности</translation>
    </message>
</context>
<context>
    <name>EnrollDialog</name>
    <message>
        <location filename="../../enroll_dialog.py" line="77" />
        <source>New customer</source>
        <translation>Новый покупатель</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="89" />
        <source>First and last name</source>
        <translation>Имя и фамилия</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="91" />
        <source>DD.MM.YYYY, optional</source>
        <translation>ДД.ММ.ГГГГ, необязательно</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="92" />
        <source>The customer agrees to the processing of personal data</source>
        <translation>Покупатель согласен на обработку персональных данных</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="93" />
        <source>Phone</source>
        <translation>Телефон</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="94" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="95" />
        <source>Birthday</source>
        <translation>День рождения</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="98" />
        <source>Card {card} will be issued</source>
        <translation>Будет выдана карта {card}</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="106" />
        <source>Enroll</source>
        <translation>Зарегистрировать</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="107" />
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="123" />
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="165" />
        <source>The customer's consent is required</source>
        <translation>Нужно согласие покупателя</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="171" />
        <source>Birthday must be a date like 05.07.1990</source>
        <translation>День рождения — дата вида 05.07.1990</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="176" />
        <source>Saving…</source>
        <translation>Сохраняем…</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="194" />
        <source>Card {card} issued to {name}</source>
        <translation>Карта {card} выдана: {name}</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="198" />
        <source>The customer can photograph this QR code or scan it now.</source>
        <translation>Покупатель может сфотографировать этот QR-код или отсканировать его сейчас.</translation>
    </message>
    <message>
        <location filename="../../enroll_dialog.py" line="200" />
        <source>Welcome bonus: {points}.</source>
        <translation>Приветственный бонус: {points}.</translation>
    </message>
</context>
<context>
    <name>ExtrasBar</name>
    <message>
        <location filename="../../checkout/extras.py" line="41" />
        <source>Points to pay with</source>
        <translation>Сколько баллов списать</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="43" />
        <source>Max (F5)</source>
        <translation>Макс. (F5)</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="51" />
        <source>Points</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="55" />
        <source>code + Enter (F6)</source>
        <translation>код + Enter (F6)</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="62" />
        <source>Coupon</source>
        <translation>Купон</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="66" />
        <source>Gift for points (F7)</source>
        <translation>Подарок за баллы (F7)</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="68" />
        <source>Gift</source>
        <translation>Подарок</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="85" />
        <source>No gift (F7)</source>
        <translation>Без подарка (F7)</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="105" />
        <source>of {n}</source>
        <translation>из {n}</translation>
    </message>
    <message>
        <location filename="../../checkout/extras.py" line="112" />
        <source>Coupon applied</source>
        <translation>Купон применён</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../../wizard/wizard.py" line="56" />
        <source>Loyalty Terminal — setting up the store</source>
        <translation>Терминал лояльности — настройка магазина</translation>
    </message>
    <message>
        <location filename="../../wizard/wizard.py" line="59" />
        <source>Create the store</source>
        <translation>Создать магазин</translation>
    </message>
    <message>
        <location filename="../../wizard/wizard.py" line="90" />
        <source>Backup of the store</source>
        <translation>Резервная копия магазина</translation>
    </message>
    <message>
        <location filename="../../wizard/wizard.py" line="90" />
        <source>Store backups (*.sqlite3);;All files (*)</source>
        <translation>Резервные копии (*.sqlite3);;Все файлы (*)</translation>
    </message>
    <message>
        <location filename="../../wizard/wizard.py" line="100" />
        <source>Checking the backup…</source>
        <translation>Проверяем резервную копию…</translation>
    </message>
    <message>
        <location filename="../../wizard/wizard.py" line="111" />
        <location filename="../../wizard/wizard.py" line="119" />
        <source>This file cannot be restored: {problem}</source>
        <translation>Этот файл нельзя восстановить: {problem}</translation>
    </message>
</context>
<context>
    <name>FiscalChooser</name>
    <message>
        <location filename="../../wizard/fiscal.py" line="67" />
        <source>No fiscal register (receipts are not fiscal)</source>
        <translation>Без кассы (чеки не фискальные)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="68" />
        <source>The register stands beside the till (scan its receipt's QR)</source>
        <translation>Касса рядом (сканировать QR-код её чека)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="69" />
        <source>ATOL register through the ATOL Web Server</source>
        <translation>Касса АТОЛ через веб-сервер АТОЛ</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="70" />
        <source>Штрих-М register on the network (TCP)</source>
        <translation>Касса Штрих-М по сети (TCP)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="71" />
        <source>Штрих-М register on a serial (COM) port</source>
        <translation>Касса Штрих-М через COM-порт</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="92" />
        <source>Web Server address</source>
        <translation>Адрес веб-сервера</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="93" />
        <source>Address and port</source>
        <translation>Адрес и порт</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="94" />
        <source>Port</source>
        <translation>Порт</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="94" />
        <source>Speed, baud</source>
        <translation>Скорость, бод</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="105" />
        <source>General (ОСН)</source>
        <translation>Общая (ОСН)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="106" />
        <source>Simplified, income (УСН доходы)</source>
        <translation>Упрощённая (УСН доходы)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="107" />
        <source>Simplified, income less expenses (УСН доходы − расходы)</source>
        <translation>Упрощённая (УСН доходы − расходы)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="108" />
        <source>Patent (ПСН)</source>
        <translation>Патент (ПСН)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="113" />
        <source>VAT 22 %</source>
        <translation>НДС 22 %</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="114" />
        <source>VAT 10 %</source>
        <translation>НДС 10 %</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="115" />
        <source>VAT 0 %</source>
        <translation>НДС 0 %</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="116" />
        <source>No VAT</source>
        <translation>Без НДС</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="117" />
        <source>VAT 5 % (simplified)</source>
        <translation>НДС 5 % (УСН)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="118" />
        <source>VAT 7 % (simplified)</source>
        <translation>НДС 7 % (УСН)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="120" />
        <source>Goods</source>
        <translation>Товар</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="120" />
        <source>Service</source>
        <translation>Услуга</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="124" />
        <source>Category</source>
        <translation>Категория</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="124" />
        <source>VAT</source>
        <translation>НДС</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="124" />
        <location filename="../../wizard/fiscal.py" line="140" />
        <source>Payment object</source>
        <translation>Предмет расчёта</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="136" />
        <source>What goes on the fiscal receipt</source>
        <translation>Что печатается в кассовом чеке</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="138" />
        <source>Taxation</source>
        <translation>Система налогообложения</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="139" />
        <source>VAT (every category)</source>
        <translation>НДС (все категории)</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="143" />
        <source>Check the register</source>
        <translation>Проверить кассу</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="144" />
        <source>Prints an X-report on the register</source>
        <translation>Печатает X-отчёт на кассе</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="204" />
        <source>Type the ATOL Web Server's address, such as {example}</source>
        <translation>Введите адрес веб-сервера АТОЛ, например {example}</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="206" />
        <source>Type the register's address and port, such as {example}</source>
        <translation>Введите адрес и порт кассы, например {example}</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="209" />
        <source>Type the register's port, such as /dev/ttyACM0 or COM3</source>
        <translation>Введите порт кассы, например /dev/ttyACM0 или COM3</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="279" />
        <source>Asking the register for an X-report…</source>
        <translation>Запрашиваю у кассы X-отчёт…</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="293" />
        <source>The register works: {model}, fiscal drive {fn}. Its shift is closed, so it prints no X-report now; the register's shift opens with the till's.</source>
        <translation>Касса работает: {model}, ФН {fn}. Смена на кассе закрыта, поэтому X-отчёт сейчас не печатается; смена кассы откроется вместе со сменой в программе.</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="300" />
        <source>The register works: it printed an X-report (shift {shift}).</source>
        <translation>Касса работает: X-отчёт напечатан (смена {shift}).</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="302" />
        <source>The register works: it printed an X-report.</source>
        <translation>Касса работает: X-отчёт напечатан.</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="309" />
        <source>The register did not print the X-report: {reason}</source>
        <translation>Касса не напечатала X-отчёт: {reason}</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="329" />
        <source>Receipts say «Не является фискальным документом»; the register is rung separately.</source>
        <translation>На чеках написано «Не является фискальным документом»; продажи пробиваются на кассе отдельно.</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="331" />
        <source>The cashier rings the purchase on the register. The till shows the discount to key in and the amount to collect; scanning the register receipt's QR code records it with the loyalty sale.</source>
        <translation>Кассир пробивает покупку на кассе. Терминал показывает скидку, которую нужно ввести, и сумму к оплате; QR-код кассового чека, отсканированный после этого, привязывает чек к продаже по программе лояльности.</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="335" />
        <source>The till prints every fiscal receipt itself through the ATOL Web Server (port 16732 by default).</source>
        <translation>Терминал сам печатает каждый кассовый чек через веб-сервер АТОЛ (по умолчанию порт 16732).</translation>
    </message>
    <message>
        <location filename="../../wizard/fiscal.py" line="337" />
        <location filename="../../wizard/fiscal.py" line="338" />
        <source>The till prints every fiscal receipt itself on the Штрих-М register.</source>
        <translation>Терминал сам печатает каждый кассовый чек на кассе Штрих-М.</translation>
    </message>
</context>
<context>
    <name>FiscalDesk</name>
    <message>
        <location filename="../../fiscal_desk.py" line="122" />
        <source>X-report of the fiscal register</source>
        <translation>X-отчёт кассы</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="125" />
        <source>Check receipts with the register</source>
        <translation>Сверить чеки с кассой</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="218" />
        <source>Register: ready, shift {n} open</source>
        <translation>Касса: готова, открыта смена {n}</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="220" />
        <source>Register: ready</source>
        <translation>Касса: готова</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="211" />
        <location filename="../../fiscal_desk.py" line="224" />
        <location filename="../../fiscal_desk.py" line="231" />
        <source>Register: {what}</source>
        <translation>Касса: {what}</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="173" />
        <source>The register's shift is not open: {reason}</source>
        <translation>Смена на кассе не открыта: {reason}</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="245" />
        <source>Administrator</source>
        <translation>Администратор</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="246" />
        <source>Printing the X-report…</source>
        <translation>Печатаю X-отчёт…</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="251" />
        <source>The register printed the X-report (shift {n}).</source>
        <translation>Касса напечатала X-отчёт (смена {n}).</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="257" />
        <source>The register did not print the X-report: {reason}</source>
        <translation>Касса не напечатала X-отчёт: {reason}</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="264" />
        <source>Checking the receipt with the fiscal register…</source>
        <translation>Ответ кассы потерян: проверяю чек на кассе…</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="279" />
        <source>The register still does not say whether it printed {n} receipt(s): checking again later.</source>
        <translation>Касса пока не ответила, напечатан ли чек (чеков: {n}): проверю ещё раз позже. Не продавайте эту корзину заново.</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="287" />
        <source>{n} sale(s) the register had printed are saved: do not sell them again.</source>
        <translation>Чек был напечатан, продажа сохранена (продаж: {n}): не продавайте её повторно.</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="290" />
        <source>{n} receipt(s) were not printed: nothing was saved, sell again.</source>
        <translation>Чек не был напечатан (чеков: {n}): ничего не записано, проведите продажу снова.</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="293" />
        <source>No receipt was waiting for the register.</source>
        <translation>Неподтверждённых чеков нет.</translation>
    </message>
    <message>
        <location filename="../../fiscal_desk.py" line="299" />
        <source>The register's receipts are not checked yet: {reason}</source>
        <translation>Чеки ещё не сверены с кассой: {reason}</translation>
    </message>
</context>
<context>
    <name>FiscalPage</name>
    <message>
        <location filename="../../wizard/pages.py" line="228" />
        <source>Fiscal register</source>
        <translation>Касса (ККТ)</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="230" />
        <source>How sales reach the online cash register (54-ФЗ). It can be changed later in Settings.</source>
        <translation>Как продажи попадают в онлайн-кассу (54-ФЗ). Это можно изменить позже в настройках.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="232" />
        <source>Administrator</source>
        <translation>Администратор</translation>
    </message>
</context>
<context>
    <name>FlagsTab</name>
    <message>
        <location filename="../../manager/flags_tab.py" line="107" />
        <source>This terminal</source>
        <translation>Этот терминал</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="108" />
        <source>Whole chain</source>
        <translation>Вся сеть</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="109" />
        <source>This terminal's flags, or the whole chain's from the server</source>
        <translation>Отметки этого терминала или всей сети (с сервера)</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="118" />
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="121" />
        <source>Export CSV…</source>
        <translation>Выгрузить CSV…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="123" />
        <source>Export PDF…</source>
        <translation>Выгрузить PDF…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="126" />
        <source>From</source>
        <translation>С</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="128" />
        <source>to</source>
        <translation>по</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="141" />
        <source>Log in to the server…</source>
        <translation>Войти на сервер…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="147" />
        <source>A flag is a question, not a verdict: look at the sales and ask the people involved.</source>
        <translation>Отметка — это вопрос, а не приговор: посмотрите продажи и спросите причастных.</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="156" />
        <source>Day</source>
        <translation>День</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="157" />
        <source>What was seen</source>
        <translation>Что замечено</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="158" />
        <source>Card</source>
        <translation>Карта</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="159" />
        <source>Staff</source>
        <translation>Сотрудник</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="256" />
        <source>The whole chain's flags need your login to the server. Shown: this terminal's flags.</source>
        <translation>Для отметок всей сети нужно войти на сервер. Показаны отметки этого терминала.</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="268" />
        <location filename="../../manager/flags_tab.py" line="286" />
        <source>Looking…</source>
        <translation>Ищем…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="277" />
        <source>Asking the server…</source>
        <translation>Запрос к серверу…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="310" />
        <source>The whole chain's flags, from the server</source>
        <translation>Отметки всей сети, по данным сервера</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="311" />
        <source>The flags of your stores ({stores}), from the server</source>
        <translation>Отметки ваших магазинов ({stores}), по данным сервера</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="320" />
        <source>This terminal's flags</source>
        <translation>Отметки этого терминала</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="325" />
        <source>{count} flags in this period.</source>
        <translation>Отметок за период: {count}.</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="327" />
        <source>Nothing suspicious in this period.</source>
        <translation>За период ничего подозрительного.</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="339" />
        <source>The chain's flags could not be had from the server: {reason}. Shown: this terminal's flags.</source>
        <translation>Не удалось получить отметки сети с сервера: {reason}. Показаны отметки этого терминала.</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="361" />
        <source>Folder for the CSV file</source>
        <translation>Папка для файла CSV</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="366" />
        <source>Folder for the PDF digest</source>
        <translation>Папка для сводки PDF</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="374" />
        <source>Saving…</source>
        <translation>Сохраняем…</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="391" />
        <source>Saved: {path}</source>
        <translation>Сохранено: {path}</translation>
    </message>
    <message>
        <location filename="../../manager/flags_tab.py" line="394" />
        <source>Could not save: {reason}</source>
        <translation>Не удалось сохранить: {reason}</translation>
    </message>
</context>
<context>
    <name>FreeItemDialog</name>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="19" />
        <source>Free-price item</source>
        <translation>Товар по своей цене</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="23" />
        <source>e.g. 149,90</source>
        <translation>например, 149,90</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="28" />
        <source>optional</source>
        <translation>необязательно</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="29" />
        <source>Price</source>
        <translation>Цена</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="30" />
        <source>Category</source>
        <translation>Категория</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="31" />
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="51" />
        <source>Type the price in roubles, e.g. 149,90</source>
        <translation>Введите цену в рублях, например 149,90</translation>
    </message>
    <message>
        <location filename="../../checkout/free_item_dialog.py" line="56" />
        <source>Choose a category</source>
        <translation>Выберите категорию</translation>
    </message>
</context>
<context>
    <name>HelpDialog</name>
    <message>
        <location filename="../../main_window.py" line="47" />
        <source>Keys</source>
        <translation>Клавиши</translation>
    </message>
</context>
<context>
    <name>LockCountdown</name>
    <message>
        <location filename="../../pin_dialog.py" line="158" />
        <source>You can try again now</source>
        <translation>Можно попробовать снова</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../login.py" line="46" />
        <location filename="../../login.py" line="50" />
        <location filename="../../login.py" line="73" />
        <source>Log in</source>
        <translation>Вход</translation>
    </message>
    <message>
        <location filename="../../login.py" line="67" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../login.py" line="68" />
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../../login.py" line="112" />
        <source>First start</source>
        <translation>Первый запуск</translation>
    </message>
    <message>
        <location filename="../../login.py" line="113" />
        <source>Create the store's manager</source>
        <translation>Создайте менеджера магазина</translation>
    </message>
    <message>
        <location filename="../../login.py" line="116" />
        <source>No one can log in yet. The manager approves refunds, manual adjustments and settings, and adds the cashiers. Choose the manager's name and a PIN of 4 to 8 digits.</source>
        <translation>Пока никто не может войти. Менеджер подтверждает возвраты, ручные начисления и изменения настроек и добавляет кассиров. Укажите имя менеджера и PIN из 4–8 цифр.</translation>
    </message>
    <message>
        <location filename="../../login.py" line="122" />
        <source>Manager's name</source>
        <translation>Имя менеджера</translation>
    </message>
    <message>
        <location filename="../../login.py" line="124" />
        <source>PIN again</source>
        <translation>PIN ещё раз</translation>
    </message>
    <message>
        <location filename="../../login.py" line="126" />
        <source>Create manager and log in</source>
        <translation>Создать менеджера и войти</translation>
    </message>
    <message>
        <location filename="../../login.py" line="154" />
        <source>The two PINs differ: type it again</source>
        <translation>PIN-коды не совпадают: введите ещё раз</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../main_window.py" line="76" />
        <source>Loyalty Terminal — checkout</source>
        <translation>Терминал лояльности — касса</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="107" />
        <source>&amp;Manager</source>
        <translation>&amp;Управляющий</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="108" />
        <source>Camera source…</source>
        <translation>Источник камеры…</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="111" />
        <source>Language: Русский / English…</source>
        <translation>Язык: Русский / English…</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="116" />
        <source>No cashier signed in</source>
        <translation>Кассир не вошёл</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="149" />
        <source>cashier</source>
        <translation>кассир</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="149" />
        <source>manager</source>
        <translation>управляющий</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="150" />
        <source>Cashier: {name} ({role})</source>
        <translation>Кассир: {name} ({role})</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="183" />
        <source>Help</source>
        <translation>Помощь</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="184" />
        <source>Customer</source>
        <translation>Клиент</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="185" />
        <source>Product</source>
        <translation>Товар</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="186" />
        <source>Enroll</source>
        <translation>Новый</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="187" />
        <source>Points</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="188" />
        <source>Coupon</source>
        <translation>Купон</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="189" />
        <source>Gift</source>
        <translation>Подарок</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="190" />
        <source>Free price</source>
        <translation>Своя цена</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="191" />
        <source>Refund</source>
        <translation>Возврат</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="192" />
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="193" />
        <source>Pay</source>
        <translation>Оплата</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="209" />
        <source>choose / add / pay</source>
        <translation>выбрать / добавить / оплатить</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="210" />
        <source>back / clear the checkout</source>
        <translation>назад / очистить чек</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="211" />
        <source>quantity of the selected line</source>
        <translation>количество в строке</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="212" />
        <source>remove the selected line</source>
        <translation>удалить строку</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="281" />
        <source>Close the open window first, then scan again</source>
        <translation>Сначала закройте открытое окно, затем сканируйте снова</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="292" />
        <source>No camera is set: Manager → Camera source…</source>
        <translation>Камера не настроена: Управляющий → Источник камеры…</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="305" />
        <location filename="../../main_window.py" line="323" />
        <source>Camera: {reason}</source>
        <translation>Камера: {reason}</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="328" />
        <source>The camera video has ended</source>
        <translation>Видео с камеры закончилось</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="332" />
        <source>Camera on</source>
        <translation>Камера вкл.</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="332" />
        <source>Camera off</source>
        <translation>Камера выкл.</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="340" />
        <source>Camera source</source>
        <translation>Источник камеры</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="341" />
        <source>Camera number (0, 1…) or a video file / stream address:</source>
        <translation>Номер камеры (0, 1…) или видеофайл / адрес потока:</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="355" />
        <source>The interface will be in English after a restart</source>
        <translation>После перезапуска интерфейс будет на английском языке</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="357" />
        <source>The interface will be in Russian after a restart</source>
        <translation>После перезапуска интерфейс будет на русском языке</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="376" />
        <source>Sale {id} is saved, but the receipt was not printed: {reason}</source>
        <translation>Продажа № {id} сохранена, но чек не напечатан: {reason}</translation>
    </message>
</context>
<context>
    <name>ManagerLauncher</name>
    <message>
        <location filename="../../manager/install.py" line="32" />
        <source>Manager…</source>
        <translation>Менеджер…</translation>
    </message>
    <message>
        <location filename="../../manager/install.py" line="45" />
        <source>Open the manager screen</source>
        <translation>Открыть экран менеджера</translation>
    </message>
</context>
<context>
    <name>ManagerWindow</name>
    <message>
        <location filename="../../manager/window.py" line="87" />
        <source>Loyalty Terminal — manager</source>
        <translation>Терминал лояльности — менеджер</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="94" />
        <source>Manager: {name}</source>
        <translation>Менеджер: {name}</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="96" />
        <source>Close (Esc)</source>
        <translation>Закрыть (Esc)</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="108" />
        <source>Dashboard and reports</source>
        <translation>Сводка и отчёты</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="109" />
        <source>Program</source>
        <translation>Программа</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="110" />
        <source>Coupons</source>
        <translation>Купоны</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="111" />
        <source>Administration</source>
        <translation>Администрирование</translation>
    </message>
    <message>
        <location filename="../../manager/window.py" line="112" />
        <source>Suspicious activity</source>
        <translation>Подозрительные операции</translation>
    </message>
</context>
<context>
    <name>NewPinDialog</name>
    <message>
        <location filename="../../manager/admin.py" line="120" />
        <source>New PIN for {name}</source>
        <translation>Новый PIN для {name}</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="127" />
        <source>New PIN</source>
        <translation>Новый PIN</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="128" />
        <source>PIN again</source>
        <translation>PIN ещё раз</translation>
    </message>
    <message>
        <location filename="../../manager/admin.py" line="137" />
        <source>The two PINs differ: type it again</source>
        <translation>PIN-коды не совпадают: введите ещё раз</translation>
    </message>
</context>
<context>
    <name>PayDialog</name>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="33" />
        <source>Payment</source>
        <translation>Оплата</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="38" />
        <source>To pay</source>
        <translation>К оплате</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="46" />
        <source>Cash</source>
        <translation>Наличные</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="47" />
        <source>Card</source>
        <translation>Карта</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="57" />
        <source>Cash received</source>
        <translation>Получено наличными</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="68" />
        <source>phone or e-mail, if the customer wants it</source>
        <translation>телефон или e-mail, если покупатель просит</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="70" />
        <source>Electronic receipt</source>
        <translation>Электронный чек</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="77" />
        <source>The fiscal register prints the receipt</source>
        <translation>Кассовый чек печатает касса</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="82" />
        <source>Enter: pay · ↑/↓: cash or card · Tab: electronic receipt · Esc: back</source>
        <translation>Enter — оплатить · ↑/↓ — наличные или карта · Tab — электронный чек · Esc — назад</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="84" />
        <source>Enter: pay · ↑/↓: cash or card · Esc: back</source>
        <translation>Enter — оплатить · ↑/↓ — наличные или карта · Esc — назад</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="90" />
        <source>Pay</source>
        <translation>Оплатить</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="91" />
        <source>Back</source>
        <translation>Назад</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="167" />
        <source>Not enough: type the amount received, or leave it empty</source>
        <translation>Недостаточно: введите полученную сумму или оставьте поле пустым</translation>
    </message>
    <message>
        <location filename="../../checkout/pay_dialog.py" line="171" />
        <source>Change: {money}</source>
        <translation>Сдача: {money}</translation>
    </message>
</context>
<context>
    <name>PaybackPanel</name>
    <message>
        <location filename="../../manager/payback.py" line="46" />
        <source>Does the programme pay?</source>
        <translation>Окупается ли программа?</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="84" />
        <source>Computed with the full report…</source>
        <translation>Считается вместе с полным отчётом…</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="89" />
        <source>No comparison: it needs sales both with a card and without one.</source>
        <translation>Сравнить нельзя: нужны продажи и с картой, и без карты.</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="92" />
        <source>The programme pays: members brought {amount} more than it cost.</source>
        <translation>Программа окупается: участники принесли на {amount} больше, чем она стоила.</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="99" />
        <source>The programme does not pay: it cost {amount} more than members brought beyond the others.</source>
        <translation>Программа не окупается: она стоила на {amount} больше, чем участники принесли сверх остальных.</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="106" />
        <source>Cost {total} = card discounts {tier} + stamp cards {stamps} + coupons {coupons} + points {points} + gifts {gifts}</source>
        <translation>Стоимость {total} = скидки по уровню {tier} + штампы {stamps} + купоны {coupons} + баллы {points} + подарки {gifts}</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="122" />
        <source>Members brought beyond non-members {extra} = {sales} card sales × (average basket {card} − {anonymous} without a card)</source>
        <translation>Участники принесли сверх неучастников {extra} = {sales} чеков с картой × (средняя корзина {card} − {anonymous} без карты)</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="132" />
        <source>Visits per member {visits} · retention {retention} · card share of revenue {share}</source>
        <translation>Визитов на участника {visits} · удержание {retention} · доля выручки с картой {share}</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="141" />
        <source>CLV {value} (from {low} to {high}, 95 %)</source>
        <translation>CLV {value} (от {low} до {high}, 95 %)</translation>
    </message>
    <message>
        <location filename="../../manager/payback.py" line="147" />
        <source>CLV: too few customers ({sample}; at least {minimum} needed)</source>
        <translation>CLV: мало покупателей ({sample}, нужно не меньше {minimum})</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location filename="../../pin_dialog.py" line="225" />
        <source>Manager approval</source>
        <translation>Подтверждение менеджера</translation>
    </message>
    <message>
        <location filename="../../pin_dialog.py" line="231" />
        <source>A manager enters their PIN</source>
        <translation>Менеджер вводит свой PIN</translation>
    </message>
    <message>
        <location filename="../../pin_dialog.py" line="240" />
        <source>Approve</source>
        <translation>Подтвердить</translation>
    </message>
    <message>
        <location filename="../../pin_dialog.py" line="242" />
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>Preview</name>
    <message>
        <location filename="../../manager/preview.py" line="69" />
        <source>Preview: a sample sale under both programs</source>
        <translation>Проверка: пробная продажа по обеим программам</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="84" />
        <source>Figure</source>
        <translation>Показатель</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="85" />
        <source>In force</source>
        <translation>Сейчас</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="86" />
        <source>Edited</source>
        <translation>Новая</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="87" />
        <source>Change</source>
        <translation>Разница</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="118" />
        <source>Sample basket</source>
        <translation>Пробная корзина</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="138" />
        <source>Sample customer</source>
        <translation>Пробный покупатель</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="146" />
        <location filename="../../manager/preview.py" line="283" />
        <source>Tier</source>
        <translation>Уровень</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="151" />
        <source>Points on the card</source>
        <translation>Баллов на карте</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="152" />
        <source>Pays with as many points as allowed</source>
        <translation>Платит баллами по максимуму</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="158" />
        <source>Stamps on each card</source>
        <translation>Штампов на каждой карте</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="162" />
        <source>Sale time</source>
        <translation>Время продажи</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="176" />
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="193" />
        <source>No card</source>
        <translation>Без карты</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="196" />
        <source>{name} (from {spend})</source>
        <translation>{name} (от {spend})</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="249" />
        <source>The basket is empty</source>
        <translation>Корзина пуста</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="284" />
        <source>Basket</source>
        <translation>Корзина</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="285" />
        <source>Discount</source>
        <translation>Скидка</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="286" />
        <source>Paid with points</source>
        <translation>Оплачено баллами</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="287" />
        <source>To pay</source>
        <translation>К оплате</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="288" />
        <source>Points earned</source>
        <translation>Начислится баллов</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="289" />
        <source>Stamps earned</source>
        <translation>Начислится штампов</translation>
    </message>
    <message>
        <location filename="../../manager/preview.py" line="290" />
        <source>Free units from stamps</source>
        <translation>Бесплатно за штампы</translation>
    </message>
</context>
<context>
    <name>PrintService</name>
    <message>
        <location filename="../../printing.py" line="476" />
        <source>There is no receipt to reprint yet</source>
        <translation>Пока нет чека для повторной печати</translation>
    </message>
    <message>
        <location filename="../../printing.py" line="508" />
        <source>The receipt could not be prepared: {reason}. The sale is saved; try “Reprint” later.</source>
        <translation>Не удалось подготовить чек: {reason}. Продажа сохранена; позже нажмите «Напечатать ещё раз».</translation>
    </message>
    <message>
        <location filename="../../printing.py" line="523" />
        <source>The receipt was not printed: {reason}

The sale is saved. Fix the printer, then press “Reprint”.</source>
        <translation>Чек не напечатан: {reason}

Продажа сохранена. Исправьте принтер и нажмите «Напечатать ещё раз».</translation>
    </message>
    <message>
        <location filename="../../printing.py" line="546" />
        <source>Printer</source>
        <translation>Принтер</translation>
    </message>
    <message>
        <location filename="../../printing.py" line="548" />
        <source>Reprint</source>
        <translation>Напечатать ещё раз</translation>
    </message>
    <message>
        <location filename="../../printing.py" line="549" />
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
</context>
<context>
    <name>PrinterChooser</name>
    <message>
        <location filename="../../wizard/devices.py" line="185" />
        <source>PDF files in a folder (80 mm receipts)</source>
        <translation>PDF-файлы в папке (чеки 80 мм)</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="186" />
        <source>PDF files in a folder (58 mm receipts)</source>
        <translation>PDF-файлы в папке (чеки 58 мм)</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="187" />
        <source>Receipt printer on the network (ESC/POS)</source>
        <translation>Чековый принтер в сети (ESC/POS)</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="188" />
        <source>Receipt printer on USB (ESC/POS)</source>
        <translation>Чековый принтер по USB (ESC/POS)</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="189" />
        <source>A printer installed in the system</source>
        <translation>Принтер, установленный в системе</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="195" />
        <source>Choose…</source>
        <translation>Выбрать…</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="208" />
        <source>empty: the default printer</source>
        <translation>пусто: принтер по умолчанию</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="218" />
        <source>Folder</source>
        <translation>Папка</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="219" />
        <source>Address</source>
        <translation>Адрес</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="219" />
        <source>Port</source>
        <translation>Порт</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="220" />
        <source>Vendor ID</source>
        <translation>Vendor ID</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="220" />
        <source>Product ID</source>
        <translation>Product ID</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="221" />
        <source>Printer</source>
        <translation>Принтер</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="231" />
        <source>Test print</source>
        <translation>Пробная печать</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="280" />
        <source>Folder for receipts</source>
        <translation>Папка для чеков</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="295" />
        <source>Printing a test receipt…</source>
        <translation>Печатаем пробный чек…</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="310" />
        <source>The test receipt is saved in {folder}</source>
        <translation>Пробный чек сохранён в {folder}</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="312" />
        <source>The test receipt was sent to the printer: check that it came out</source>
        <translation>Пробный чек отправлен на принтер: проверьте, что он вышел</translation>
    </message>
    <message>
        <location filename="../../wizard/devices.py" line="316" />
        <source>The printer did not print: {reason}</source>
        <translation>Принтер не напечатал: {reason}</translation>
    </message>
</context>
<context>
    <name>ProgramEditor</name>
    <message>
        <location filename="../../manager/program_editor.py" line="85" />
        <source>Form</source>
        <translation>Форма</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="86" />
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="87" />
        <source>Versions</source>
        <translation>Версии</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="115" />
        <source>Start from this template</source>
        <translation>Начать с этого шаблона</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="117" />
        <source>Back to the program in force</source>
        <translation>Вернуть действующую программу</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="119" />
        <source>Template:</source>
        <translation>Шаблон:</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="135" />
        <source>The whole program file (loyalty-rules.md §2); coupons too.</source>
        <translation>Весь файл программы (loyalty-rules.md §2), вместе с купонами.</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="147" />
        <source>Version</source>
        <translation>Версия</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="148" />
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="149" />
        <source>Applies from</source>
        <translation>Действует с</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="150" />
        <source>Saved</source>
        <translation>Сохранена</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="151" />
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="168" />
        <source>View…</source>
        <translation>Посмотреть…</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="170" />
        <source>Restore as a new version</source>
        <translation>Восстановить как новую версию</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="182" />
        <source>Activate now</source>
        <translation>Включить сейчас</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="184" />
        <source>From:</source>
        <translation>С:</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="189" />
        <source>Activate as a new version</source>
        <translation>Включить как новую версию</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="210" />
        <source>In force: version {v} “{name}”</source>
        <translation>Действует: версия {v} «{name}»</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="294" />
        <source>The JSON text cannot be read: line {line}, column {column}</source>
        <translation>Текст JSON не читается: строка {line}, столбец {column}</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="325" />
        <source>Template loaded (coupons and time zone kept). Nothing changes until you activate it.</source>
        <translation>Шаблон загружен (купоны и часовой пояс сохранены). Ничего не изменится, пока вы его не включите.</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="350" />
        <source>Not activated: {reason}</source>
        <translation>Не включено: {reason}</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="354" />
        <source>Choose a time in the future, or activate now</source>
        <translation>Выберите время в будущем или включите сейчас</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="357" />
        <source>Activate the edited program now? Every sale from now on is priced by it.</source>
        <translation>Включить изменённую программу сейчас? Все продажи с этого момента считаются по ней.</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="359" />
        <source>Activate the edited program from {when}?</source>
        <translation>Включить изменённую программу с {when}?</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="369" />
        <source>Version {v} is scheduled from {when}; it will not start after this one. Restore it from the Versions list if it is still wanted.</source>
        <translation>Версия {v} запланирована с {when}; после этой она не начнёт действовать. Если она ещё нужна, восстановите её в списке версий.</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="372" />
        <source>Activate the program</source>
        <translation>Включение программы</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="381" />
        <source>Version {v} saved and activated.</source>
        <translation>Версия {v} сохранена и включена.</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="400" />
        <source>Program version {v}</source>
        <translation>Версия программы {v}</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="408" />
        <source>Choose a version in the list first</source>
        <translation>Сначала выберите версию в списке</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="410" />
        <source>Make version {v} the program in force again (as a new version)?</source>
        <translation>Сделать версию {v} снова действующей (как новую версию)?</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="411" />
        <source>Restore a version</source>
        <translation>Восстановление версии</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="436" />
        <source>from the start</source>
        <translation>с самого начала</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="445" />
        <source>in force</source>
        <translation>действует</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="447" />
        <source>scheduled</source>
        <translation>запланирована</translation>
    </message>
    <message>
        <location filename="../../manager/program_editor.py" line="448" />
        <source>replaced</source>
        <translation>заменена</translation>
    </message>
</context>
<context>
    <name>ProgramForm</name>
    <message>
        <location filename="../../manager/program_form.py" line="194" />
        <source>Remove the row</source>
        <translation>Удалить строку</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="195" />
        <source>Removes the row with the cursor (the last one when none is chosen)</source>
        <translation>Удаляет строку с курсором (последнюю, если ни одна не выбрана)</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="228" />
        <source>Program</source>
        <translation>Программа</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="230" />
        <location filename="../../manager/program_form.py" line="380" />
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="232" />
        <source>One point pays, ₽</source>
        <translation>Один балл равен, ₽</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="232" />
        <source>Usually 1 ₽</source>
        <translation>Обычно 1 ₽</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="236" />
        <source>Time zone</source>
        <translation>Часовой пояс</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="239" />
        <location filename="../../manager/program_form.py" line="243" />
        <source>Tiers</source>
        <translation>Уровни</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="245" />
        <source>Tier</source>
        <translation>Уровень</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="246" />
        <source>Spend from, ₽</source>
        <translation>Траты от, ₽</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="247" />
        <source>Discount, %</source>
        <translation>Скидка, %</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="248" />
        <source>Points, % of paid</source>
        <translation>Баллы, % оплаты</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="250" />
        <source>Add a tier</source>
        <translation>Добавить уровень</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="252" />
        <source>empty: all time</source>
        <translation>пусто — за всё время</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="256" />
        <source>Spend counted over, days</source>
        <translation>Траты считаются за, дней</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="258" />
        <source>The tier comes from money paid over this many days before a sale</source>
        <translation>Уровень определяется по оплаченному за столько дней до продажи</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="262" />
        <location filename="../../manager/program_form.py" line="331" />
        <location filename="../../manager/program_form.py" line="336" />
        <location filename="../../manager/program_form.py" line="381" />
        <source>Points</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="264" />
        <source>Points may pay up to, % of a check</source>
        <translation>Баллами можно оплатить до, % чека</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="266" />
        <source>Pay with points from a balance of</source>
        <translation>Оплата баллами от баланса</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="271" />
        <source>Earned points usable after, days</source>
        <translation>Начисленные баллы доступны через, дней</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="273" />
        <source>The return window: 0 means at once</source>
        <translation>Срок на возврат: 0 — сразу</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="275" />
        <source>empty: never</source>
        <translation>пусто — никогда</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="276" />
        <source>Points expire after, days</source>
        <translation>Баллы сгорают через, дней</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="278" />
        <source>Points returned by a refund last, days</source>
        <translation>Баллы, возвращённые при возврате, живут, дней</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="281" />
        <source>Categories</source>
        <translation>Категории</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="282" />
        <source>Categories separated by commas, e.g. tobacco, alcohol</source>
        <translation>Категории через запятую, например tobacco, alcohol</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="285" />
        <source>No card discount on</source>
        <translation>Без скидки по карте</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="286" />
        <source>No points earned on</source>
        <translation>Без начисления баллов</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="287" />
        <source>No paying with points for</source>
        <translation>Без оплаты баллами</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="296" />
        <source>Points multipliers by category</source>
        <translation>Множители баллов по категориям</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="298" />
        <location filename="../../manager/program_form.py" line="369" />
        <source>Category</source>
        <translation>Категория</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="299" />
        <source>Multiplier</source>
        <translation>Множитель</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="301" />
        <source>Add a multiplier</source>
        <translation>Добавить множитель</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="308" />
        <source>Happy hours (more points)</source>
        <translation>Счастливые часы (больше баллов)</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="310" />
        <source>Weekdays (1 = Mon)</source>
        <translation>Дни недели (1 = пн)</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="311" />
        <source>From</source>
        <translation>С</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="312" />
        <source>To</source>
        <translation>До</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="313" />
        <source>Points ×</source>
        <translation>Баллы ×</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="315" />
        <source>Add happy hours</source>
        <translation>Добавить часы</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="328" />
        <source>Bonuses</source>
        <translation>Бонусы</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="329" />
        <source>Welcome bonus</source>
        <translation>Приветственный бонус</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="332" />
        <location filename="../../manager/program_form.py" line="341" />
        <source>empty: as other points</source>
        <translation>пусто — как остальные баллы</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="333" />
        <location filename="../../manager/program_form.py" line="342" />
        <source>Expire after, days</source>
        <translation>Сгорают через, дней</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="334" />
        <source>Birthday bonus</source>
        <translation>Бонус на день рождения</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="338" />
        <source>Days before the birthday</source>
        <translation>Дней до дня рождения</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="340" />
        <source>Days after the birthday</source>
        <translation>Дней после дня рождения</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="343" />
        <source>Bring a friend</source>
        <translation>«Приведи друга»</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="346" />
        <source>Points to the one who brought</source>
        <translation>Баллы тому, кто привёл</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="349" />
        <source>Points to the newcomer</source>
        <translation>Баллы новичку</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="351" />
        <source>First purchase from, ₽</source>
        <translation>Первая покупка от, ₽</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="366" />
        <source>Stamp cards</source>
        <translation>Карты штампов</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="368" />
        <location filename="../../manager/program_form.py" line="379" />
        <source>Id</source>
        <translation>Код</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="370" />
        <source>Stamps for a free one</source>
        <translation>Штампов для бесплатного</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="372" />
        <source>Add a stamp card</source>
        <translation>Добавить карту</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="377" />
        <source>Gifts for points</source>
        <translation>Подарки за баллы</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="383" />
        <source>Add a gift</source>
        <translation>Добавить подарок</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="387" />
        <source>Offline limits</source>
        <translation>Ограничения без связи</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="388" />
        <location filename="../../manager/program_form.py" line="396" />
        <location filename="../../manager/program_form.py" line="398" />
        <source>empty: no limit</source>
        <translation>пусто — без ограничения</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="392" />
        <source>Points one card may pay on this till between syncs</source>
        <translation>Баллов с одной карты на этой кассе между синхронизациями</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="395" />
        <source>Chain offline policy</source>
        <translation>Правила сети без связи</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="397" />
        <source>Points per till between syncs</source>
        <translation>Баллов на кассу между синхронизациями</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="399" />
        <source>Longest time offline, hours</source>
        <translation>Дольше всего без связи, часов</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="401" />
        <source>Warn at clock difference, s</source>
        <translation>Предупреждать при расхождении часов, с</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="403" />
        <source>Stop at clock difference, s</source>
        <translation>Останавливать при расхождении часов, с</translation>
    </message>
    <message>
        <location filename="../../manager/program_form.py" line="546" />
        <source>{list}, row {n}</source>
        <translation>{list}, строка {n}</translation>
    </message>
</context>
<context>
    <name>ProgramPage</name>
    <message>
        <location filename="../../wizard/pages.py" line="127" />
        <source>Loyalty program</source>
        <translation>Программа лояльности</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="128" />
        <source>Choose how customers are rewarded. A manager can change the program later.</source>
        <translation>Выберите, как поощрять покупателей. Менеджер сможет изменить программу позже.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="141" />
        <source>Demo café</source>
        <translation>Демо-кофейня</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="142" />
        <source>A café's program, menu, customers and a month of sales, to try everything before going live.</source>
        <translation>Программа, меню, покупатели и месяц продаж кофейни — чтобы всё попробовать до начала работы.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="184" />
        <source>This terminal is part of a chain: the chain's program is used; this choice only applies if the chain has none yet.</source>
        <translation>Эта касса входит в сеть: действует программа сети; этот выбор применится, только если у сети ещё нет программы.</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../../refund_dialog.py" line="120" />
        <location filename="../../refund_dialog.py" line="123" />
        <source>Refund</source>
        <translation>Возврат</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="126" />
        <location filename="../../refund_dialog.py" line="221" />
        <source>Scan the receipt barcode or type the sale number</source>
        <translation>Отсканируйте штрихкод чека или введите номер продажи</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="128" />
        <source>Find</source>
        <translation>Найти</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="139" />
        <source>Item</source>
        <translation>Товар</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="139" />
        <source>Sold</source>
        <translation>Продано</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="139" />
        <source>Returned</source>
        <translation>Уже возвращено</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="139" />
        <source>Paid</source>
        <translation>Оплачено</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="139" />
        <source>Give back</source>
        <translation>Вернуть</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="162" />
        <source>Refund (manager PIN)</source>
        <translation>Оформить возврат (PIN менеджера)</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="167" />
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="198" />
        <source>Looking for the sale of this fiscal receipt…</source>
        <translation>Ищу продажу по этому кассовому чеку…</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="219" />
        <source>“{text}” is not a receipt barcode or a sale number</source>
        <translation>«{text}» — это не штрихкод чека и не номер продажи</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="242" />
        <source>There is no sale No. {n}</source>
        <translation>Продажи № {n} нет</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="250" />
        <source>Sale No. {n} has already been refunded in full</source>
        <translation>Продажа № {n} уже полностью возвращена</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="268" />
        <source>Sale No. {n} of {when}</source>
        <translation>Продажа № {n} от {when}</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="269" />
        <source>paid {money} by bank card</source>
        <translation>оплачено {money} банковской картой</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="269" />
        <source>paid {money} in cash</source>
        <translation>оплачено {money} наличными</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="274" />
        <source>loyalty card {card}</source>
        <translation>карта лояльности {card}</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="336" />
        <source>To give back: {money}</source>
        <translation>К возврату: {money}</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="343" />
        <source>Refund of sale No. {n}</source>
        <translation>Возврат по продаже № {n}</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="351" />
        <source>Choose at least one unit to give back</source>
        <translation>Выберите хотя бы одну единицу товара для возврата</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="355" />
        <source>Nothing was refunded: a manager did not approve</source>
        <translation>Возврат не оформлен: менеджер не подтвердил</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="359" />
        <source>Refunding…</source>
        <translation>Оформляем возврат…</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="375" />
        <source>to their bank card</source>
        <translation>на банковскую карту</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="375" />
        <source>in cash</source>
        <translation>наличными</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="376" />
        <source>Refund No. {n} is done: give the customer {money} {way}.</source>
        <translation>Возврат № {n} оформлен: верните покупателю {money} {way}.</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="380" />
        <source>Points taken back: {taken}; returned to the card: {given}.</source>
        <translation>Списано с карты: {taken}; возвращено на карту: {given}.</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="386" />
        <source>The register printed the return receipt (FD No. {n}, FS {fp}).</source>
        <translation>Касса напечатала чек возврата (ФД № {n}, ФП {fp}).</translation>
    </message>
    <message>
        <location filename="../../refund_dialog.py" line="398" />
        <source>Not refunded: {reason}</source>
        <translation>Возврат не оформлен: {reason}</translation>
    </message>
</context>
<context>
    <name>Refusals</name>
    <message>
        <location filename="../../wording.py" line="30" />
        <source>No loyalty program is set: the manager sets one in the program editor</source>
        <translation>Программа лояльности не задана: менеджер задаёт её в редакторе программы</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="34" />
        <source>The database is not set up: start the till again to create the store</source>
        <translation>База данных не подготовлена: перезапустите кассу, чтобы создать магазин</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="38" />
        <source>Card {card} is not enrolled</source>
        <translation>Карта {card} не зарегистрирована</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="39" />
        <source>Card {card} was replaced by a new card and no longer works</source>
        <translation>Карта {card} заменена на новую и больше не действует</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="40" />
        <source>No customer with card or phone {query}</source>
        <translation>Нет покупателя с картой или телефоном {query}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="41" />
        <source>This customer is not in the store's database</source>
        <translation>Этого покупателя нет в базе магазина</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="42" />
        <source>Card {card} is blocked</source>
        <translation>Карта {card} заблокирована</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="43" />
        <source>Card {card} is already issued</source>
        <translation>Карта {card} уже выдана</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="44" />
        <source>Card {card} is already issued to another customer</source>
        <translation>Карта {card} уже выдана другому покупателю</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="45" />
        <source>Card number {card} may hold only Latin letters, digits and '-' (1 to 32)</source>
        <translation>В номере карты {card} могут быть только латинские буквы, цифры и «-» (от 1 до 32 знаков)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="49" />
        <source>Card number {card} is wrong (check digit): mistyped?</source>
        <translation>Номер карты {card} неверен (контрольная цифра): опечатка?</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="50" />
        <source>This QR code is not a loyalty card</source>
        <translation>Этот QR-код — не карта лояльности</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="51" />
        <source>This card QR code is forged or from another store</source>
        <translation>QR-код карты поддельный или из другого магазина</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="52" />
        <location filename="../../wording.py" line="53" />
        <location filename="../../wording.py" line="54" />
        <location filename="../../wording.py" line="55" />
        <source>Phone number {text} is not valid: expected +7 and 10 digits</source>
        <translation>Неверный номер телефона {text}: нужен +7 и 10 цифр</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="56" />
        <source>The clock is behind this customer's last purchase: check the date and time</source>
        <translation>Часы отстают от последней покупки этого покупателя: проверьте дату и время</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="64" />
        <location filename="../../wording.py" line="68" />
        <source>{text} is not a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00</source>
        <translation>{text} — не дата и время с часовым поясом, например 2025-03-01T09:00:00+03:00</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="72" />
        <source>The store's journal has an operation this program does not know ({kind}): update the program</source>
        <translation>В журнале магазина есть операция, неизвестная этой программе ({kind}): обновите программу</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="76" />
        <source>Enter the customer's name</source>
        <translation>Введите имя покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="77" />
        <source>The name is too long (200 characters at most)</source>
        <translation>Слишком длинное имя (не больше 200 символов)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="78" />
        <source>Birthday {text} is not a date like 05.07.1990</source>
        <translation>День рождения {text} — не дата вида 05.07.1990</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="79" />
        <source>The birthday must be between 01.01.1900 and today</source>
        <translation>Дата рождения должна быть не раньше 01.01.1900 и не позже сегодняшнего дня</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="80" />
        <source>Phone {phone} is already enrolled (card {card})</source>
        <translation>Телефон {phone} уже зарегистрирован (карта {card})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="81" />
        <source>This till was restored from a backup: connect it to the server again (Settings) before enrolling new customers</source>
        <translation>Касса восстановлена из резервной копии: подключите её к серверу заново (Настройки), прежде чем регистрировать новых покупателей</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="86" />
        <source>An adjustment must add or remove at least one point</source>
        <translation>Корректировка должна добавить или списать хотя бы один балл</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="87" />
        <source>Say why the points are adjusted</source>
        <translation>Укажите причину корректировки баллов</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="88" />
        <source>Cannot remove {remove_points}: the card has {available_points}, and a balance cannot go below zero by hand</source>
        <translation>Нельзя списать {remove_points}: на карте {available_points}, а вручную баланс не может уйти ниже нуля</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="92" />
        <source>Not enough points: {have} available, {need} needed</source>
        <translation>Недостаточно баллов: доступно {have}, нужно {need}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="93" />
        <source>No product with code {sku}</source>
        <translation>Нет товара с кодом {sku}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="94" />
        <source>The basket is empty</source>
        <translation>Корзина пуста</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="95" />
        <source>The quantity of {sku} must be at least 1</source>
        <translation>Количество {sku} должно быть не меньше 1</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="96" />
        <source>At most {max} units of one item can be sold at once</source>
        <translation>За один раз можно продать не больше {max} шт. одного товара</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="97" />
        <source>The price of {sku} must not be negative</source>
        <translation>Цена {sku} не может быть отрицательной</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="98" />
        <source>A price can be at most {max_kopecks}</source>
        <translation>Цена не может быть больше {max_kopecks}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="99" />
        <source>Paying with points needs a loyalty card</source>
        <translation>Для оплаты баллами нужна карта</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="100" />
        <source>At most {points} can be paid with points in this basket</source>
        <translation>В этой корзине баллами можно оплатить не больше: {points}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="101" />
        <source>At most {points} can be paid with points now: {cap}</source>
        <translation>Сейчас баллами можно оплатить не больше: {points} — {cap}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="102" />
        <source>Points to pay with must be a whole number or the maximum</source>
        <translation>Баллы к оплате — целое число или максимум</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="103" />
        <source>This gift is no longer in the program</source>
        <translation>Этого подарка больше нет в программе</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="104" />
        <source>Gift “{name}” needs {need}, the card has {have}</source>
        <translation>Для подарка «{name}» нужно {need}, на карте {have}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="105" />
        <source>Gift “{name}” needs {need}, but only {points} can be paid with points now: {cap}</source>
        <translation>Для подарка «{name}» нужно {need}, а сейчас баллами можно оплатить только {points} — {cap}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="109" />
        <source>this card's limit until the next sync is reached</source>
        <translation>лимит карты до следующей синхронизации исчерпан</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="110" />
        <source>this till's limit until the next sync is reached</source>
        <translation>лимит кассы до следующей синхронизации исчерпан</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="111" />
        <source>no sync with the server for over {hours} h, so paying with points is paused</source>
        <translation>связи с сервером нет больше {hours} ч, оплата баллами приостановлена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="115" />
        <source>the till's clock is wrong, so paying with points is paused</source>
        <translation>часы кассы идут неверно, оплата баллами приостановлена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="116" />
        <source>There is no coupon {coupon}</source>
        <translation>Купона {coupon} не существует</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="117" />
        <source>Coupon {coupon} is not valid yet</source>
        <translation>Купон {coupon} ещё не действует</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="118" />
        <source>Coupon {coupon} has expired</source>
        <translation>Срок купона {coupon} истёк</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="119" />
        <source>Coupon {coupon} needs a loyalty card: scan the customer's card first</source>
        <translation>Купон {coupon} действует только с картой: сначала отсканируйте карту покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="123" />
        <source>Coupon {coupon} is personal and belongs to another customer</source>
        <translation>Купон {coupon} именной и принадлежит другому покупателю</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="124" />
        <source>Coupon {coupon} is used up</source>
        <translation>Купон {coupon} уже израсходован</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="125" />
        <source>This customer has already used coupon {coupon} as often as allowed ({n})</source>
        <translation>Покупатель уже использовал купон {coupon} максимальное число раз ({n})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="129" />
        <source>Coupon {coupon} needs a purchase of at least {min_kopecks} before discounts</source>
        <translation>Купон {coupon} действует при покупке от {min_kopecks} без учёта скидок</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="133" />
        <source>There is no sale {sale}</source>
        <translation>Продажи {sale} нет</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="134" />
        <source>There is no refund {refund}</source>
        <translation>Возврата {refund} нет</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="136" />
        <source>Sale {sale} has no such line</source>
        <translation>В продаже {sale} нет такой строки</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="137" />
        <source>Choose at least one unit to refund</source>
        <translation>Выберите хотя бы одну единицу для возврата</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="135" />
        <source>Sale No. {sale} has already been refunded in full</source>
        <translation>Продажа № {sale} уже полностью возвращена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="60" />
        <source>The date {at_iso} is more than {minutes} minutes ahead of the till's clock: check the date and time</source>
        <translation>Дата {at_iso} опережает часы кассы больше чем на {minutes} мин: проверьте дату и время</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="138" />
        <source>Only {left} unit(s) of this item can still be given back</source>
        <translation>Этого товара осталось к возврату: {left} шт.</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="139" />
        <source>Some of these items were given back meanwhile: check the quantities again</source>
        <translation>Часть этих товаров уже вернули: проверьте количество ещё раз</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="143" />
        <source>The till's clock is earlier than the sale: check the date and time</source>
        <translation>Часы кассы показывают время раньше продажи: проверьте дату и время</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="147" />
        <source>Only {left} unit(s) of this item are left to give back in the whole chain: nothing was saved</source>
        <translation>Во всей сети к возврату осталось только {left} шт. этого товара: ничего не сохранено</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="150" />
        <source>Only {left} unit(s) of this item can still be given back: the rest were returned at another till</source>
        <translation>К возврату осталось только {left} шт. этого товара: остальное уже вернули на другой кассе</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="153" />
        <source>Coupon {coupon} has a use limit: it works again once the till has synced with the server</source>
        <translation>У купона {coupon} ограничено число использований: он снова заработает после синхронизации кассы с сервером</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="156" />
        <source>Refund line {item} must look like N:QTY</source>
        <translation>Строка возврата {item} должна быть вида N:КОЛ</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="157" />
        <source>Refund line {item}: at least 1 unit</source>
        <translation>Строка возврата {item}: хотя бы 1 шт.</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="158" />
        <source>The file is not a valid CSV table ({detail})</source>
        <translation>Файл — не правильная таблица CSV ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="159" />
        <source>Line 1 must be the header sku,name,category,price,barcode</source>
        <translation>Строка 1 должна быть заголовком sku,name,category,price,barcode</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="160" />
        <source>The price list has mistakes: {lines}</source>
        <translation>В прайс-листе ошибки: {lines}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="161" />
        <source>The disk is full: nothing was saved. Free some space, then try again</source>
        <translation>Диск заполнен: ничего не сохранено. Освободите место и попробуйте ещё раз</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="162" />
        <source>The data folder is read-only: nothing was saved. Call your technician</source>
        <translation>Папка данных доступна только для чтения: ничего не сохранено. Обратитесь к специалисту</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="166" />
        <source>The database is busy in another program: nothing was saved. Try again</source>
        <translation>База данных занята другой программой: ничего не сохранено. Попробуйте ещё раз</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="167" />
        <source>The database {path} is locked by another program: nothing was saved. Close that program, then try again</source>
        <translation>База данных {path} заблокирована другой программой: ничего не сохранено. Закройте ту программу и попробуйте ещё раз</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="171" />
        <source>Database error: {detail}</source>
        <translation>Ошибка базы данных: {detail}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="172" />
        <source>The database is damaged: nothing was saved. Restart the till to restore a backup</source>
        <translation>База данных повреждена: ничего не сохранено. Перезапустите кассу, чтобы восстановить копию</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="176" />
        <source>The database comes from a newer version of the program: update the program</source>
        <translation>База данных создана более новой версией программы: обновите программу</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="180" />
        <source>Loyalty Terminal is already running on this data folder (process {pid})</source>
        <translation>Программа уже запущена с этой папкой данных (процесс {pid})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="184" />
        <source>There is no database at {path}</source>
        <translation>В {path} нет базы данных</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="185" />
        <location filename="../../wording.py" line="189" />
        <source>{path} is not a database of the till</source>
        <translation>{path} — не база данных кассы</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="186" />
        <source>The data folder {path} could not be created: {os}</source>
        <translation>Не удалось создать папку данных {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="187" />
        <source>{path} is not set up as a store of the till</source>
        <translation>{path} не подготовлен как магазин кассы</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="188" />
        <source>{path} does not exist</source>
        <translation>{path} не существует</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="190" />
        <location filename="../../wording.py" line="193" />
        <source>{path} is damaged</source>
        <translation>{path} повреждён</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="191" />
        <location filename="../../wording.py" line="192" />
        <source>{path} is a database, but not one of the till</source>
        <translation>{path} — база данных, но не кассы</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="194" />
        <source>The backup was written but fails its check: {problem}</source>
        <translation>Резервная копия записана, но не прошла проверку: {problem}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="195" />
        <source>The backup could not be written in {path}: {os}</source>
        <translation>Не удалось записать резервную копию в {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="196" />
        <source>{path} could not be backed up ({detail})</source>
        <translation>Не удалось сделать резервную копию {path} ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="197" />
        <source>This backup cannot be restored: {problem}</source>
        <translation>Эту копию нельзя восстановить: {problem}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="198" />
        <source>The backup could not be restored into {path}: {os}</source>
        <translation>Не удалось восстановить копию в {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="199" />
        <source>{path} was restored, but could not be marked to connect to the server again ({detail})</source>
        <translation>{path} восстановлен, но не удалось отметить, что кассу нужно заново подключить к серверу ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="203" />
        <source>No backup in {path} is in good order</source>
        <translation>В папке {path} нет исправной резервной копии</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="204" />
        <source>Enter a name</source>
        <translation>Введите имя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="205" />
        <source>The name is too long ({max} characters at most)</source>
        <translation>Слишком длинное имя (не больше {max} символов)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="206" />
        <source>A PIN is 4 to 8 digits</source>
        <translation>PIN — от 4 до 8 цифр</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="207" />
        <source>A role is cashier or manager</source>
        <translation>Роль — кассир или менеджер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="208" />
        <source>There is no such cashier</source>
        <translation>Такого кассира нет</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="209" />
        <source>There is already a cashier with this name</source>
        <translation>Кассир с таким именем уже есть</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="210" />
        <source>The store already has cashiers: ask a manager to log in</source>
        <translation>В магазине уже есть кассиры: пусть войдёт менеджер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="211" />
        <source>Wrong name or PIN</source>
        <translation>Неверное имя или PIN</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="212" />
        <source>Wrong manager PIN</source>
        <translation>Неверный PIN менеджера</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="213" />
        <source>This cashier is disabled: ask a manager</source>
        <translation>Этот кассир отключён: обратитесь к менеджеру</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="214" />
        <source>There is no active manager to approve this</source>
        <translation>Нет ни одного активного менеджера, чтобы это подтвердить</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="215" />
        <source>Too many wrong PINs: try again in {wait_seconds}</source>
        <translation>Слишком много неверных PIN: попробуйте снова через {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="216" />
        <location filename="../../wording.py" line="217" />
        <source>The last active manager must stay an active manager</source>
        <translation>Последний активный менеджер должен остаться активным менеджером</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="218" />
        <source>This cashier already has an open shift</source>
        <translation>У этого кассира уже открыта смена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="219" />
        <source>This shift is already closed</source>
        <translation>Эта смена уже закрыта</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="220" />
        <source>A shift cannot close before it opened: check the date and time</source>
        <translation>Смена не может закрыться раньше, чем открылась: проверьте дату и время</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="221" />
        <source>There is no such shift</source>
        <translation>Такой смены нет</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="222" />
        <source>An audit entry needs who and what</source>
        <translation>Записи журнала нужны автор и действие</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="223" />
        <source>This till is not connected to a server</source>
        <translation>Эта касса не подключена к серверу</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="224" />
        <source>This till is not connected to a server: the chain's reports are there</source>
        <translation>Эта касса не подключена к серверу: отчёты сети хранятся там</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="228" />
        <source>The server did not answer in time</source>
        <translation>Сервер не ответил вовремя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="229" />
        <source>No connection to the server: check the address and the network</source>
        <translation>Нет связи с сервером: проверьте адрес и сеть</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="233" />
        <source>The server answered with error {status}</source>
        <translation>Сервер ответил ошибкой {status}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="234" />
        <location filename="../../wording.py" line="235" />
        <location filename="../../wording.py" line="236" />
        <location filename="../../wording.py" line="237" />
        <location filename="../../wording.py" line="238" />
        <location filename="../../wording.py" line="239" />
        <location filename="../../wording.py" line="240" />
        <location filename="../../wording.py" line="250" />
        <location filename="../../wording.py" line="275" />
        <location filename="../../wording.py" line="276" />
        <source>The server's answer cannot be read</source>
        <translation>Не удалось прочитать ответ сервера</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="241" />
        <source>The server refused: {detail}</source>
        <translation>Сервер отказал: {detail}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="242" />
        <source>the code is unknown or has expired</source>
        <translation>код неизвестен или устарел</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="243" />
        <source>this till was disconnected from the chain on the server</source>
        <translation>эта касса отключена от сети на сервере</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="244" />
        <source>this till's connection was replaced on the server: connect it again</source>
        <translation>подключение этой кассы заменено на сервере: подключите её заново</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="248" />
        <source>The server accepted nothing; the till will try again</source>
        <translation>Сервер ничего не принял; касса попробует ещё раз</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="249" />
        <source>The sync was stopped</source>
        <translation>Синхронизация остановлена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="251" />
        <source>No card numbers are left on this till: sync with the server, or give the customer a pre-printed card</source>
        <translation>На этой кассе закончились номера карт: синхронизируйтесь с сервером или выдайте покупателю заранее напечатанную карту</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="255" />
        <source>This card's QR code is signed with a key this till does not have yet: sync, or type the number</source>
        <translation>QR-код этой карты подписан ключом, которого у кассы ещё нет: синхронизируйтесь или введите номер карты</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="258" />
        <source>This till belongs to a chain: the program is set on the chain's server, not here</source>
        <translation>Касса входит в сеть: программу задают на сервере сети, а не здесь</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="261" />
        <source>This store's program differs from the chain's: choose to adopt the chain's program</source>
        <translation>Программа этого магазина отличается от программы сети: выберите «перейти на программу сети»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="264" />
        <source>The chain has no program yet: choose to make this store's program the chain's</source>
        <translation>У сети ещё нет программы: выберите «сделать программу магазина программой сети»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="267" />
        <source>The chain has no program to adopt: choose to make this store's program the chain's</source>
        <translation>У сети нет программы, на которую можно перейти: выберите «сделать программу магазина программой сети»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="270" />
        <source>The chain already has a program: choose to adopt it</source>
        <translation>У сети уже есть программа: выберите «перейти на программу сети»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="271" />
        <source>This store has no program to give the chain</source>
        <translation>У этого магазина нет программы, которую можно передать сети</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="272" />
        <source>Choose one: adopt the chain's program or give it this store's</source>
        <translation>Выберите одно: перейти на программу сети или передать ей программу магазина</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="277" />
        <source>The program must be a JSON object</source>
        <translation>Программа должна быть объектом JSON</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="278" />
        <source>{field}: must be a JSON object</source>
        <translation>{field}: должен быть объектом JSON</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="279" />
        <source>Unknown key {path}</source>
        <translation>Неизвестный ключ {path}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="280" />
        <location filename="../../wording.py" line="290" />
        <source>{field}: fill this in</source>
        <translation>{field}: заполните</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="281" />
        <source>{field}: a whole number is needed, not {value}</source>
        <translation>{field}: нужно целое число, а не {value}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="282" />
        <source>{field}: must be at least {min} (now {value})</source>
        <translation>{field}: не меньше {min} (сейчас {value})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="283" />
        <location filename="../../wording.py" line="284" />
        <location filename="../../wording.py" line="289" />
        <source>{field}: must be at most {max}</source>
        <translation>{field}: не больше {max}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="285" />
        <location filename="../../wording.py" line="286" />
        <location filename="../../wording.py" line="288" />
        <source>{field}: a number like 2.5 is needed</source>
        <translation>{field}: нужно число, например 2.5</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="287" />
        <source>{field}: must not be negative</source>
        <translation>{field}: не может быть отрицательным</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="291" />
        <source>{field}: must be true or false</source>
        <translation>{field}: должно быть «да» или «нет»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="292" />
        <location filename="../../wording.py" line="293" />
        <source>{field}: must be a list</source>
        <translation>{field}: должен быть списком</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="294" />
        <location filename="../../wording.py" line="298" />
        <location filename="../../wording.py" line="302" />
        <source>{field}: a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00</source>
        <translation>{field}: нужны дата и время с часовым поясом, например 2025-03-01T09:00:00+03:00</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="306" />
        <source>{field}: a time like 08:30 is needed</source>
        <translation>{field}: нужно время, например 08:30</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="307" />
        <source>Unknown time zone {value} (e.g. Europe/Moscow)</source>
        <translation>Неизвестный часовой пояс {value} (пример: Europe/Moscow)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="308" />
        <source>Add at least one tier</source>
        <translation>Добавьте хотя бы один уровень</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="309" />
        <source>The first tier must start from a spend of 0</source>
        <translation>Первый уровень должен начинаться с трат 0 ₽</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="310" />
        <source>Tier names must differ</source>
        <translation>Названия уровней не должны повторяться</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="311" />
        <source>Tiers must start from different spends</source>
        <translation>Пороги трат уровней не должны повторяться</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="312" />
        <location filename="../../wording.py" line="541" />
        <source>{field}: weekdays from 1 (Monday) to 7 (Sunday), e.g. 1-5</source>
        <translation>{field}: дни недели от 1 (пн) до 7 (вс), например 1-5</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="313" />
        <source>{field}: must be earlier than the end</source>
        <translation>{field}: должно быть раньше окончания</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="314" />
        <source>Stamp card ids must differ</source>
        <translation>Коды карт штампов не должны повторяться</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="315" />
        <source>Coupon codes must differ</source>
        <translation>Коды купонов не должны повторяться</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="316" />
        <source>Gift ids must differ</source>
        <translation>Коды подарков не должны повторяться</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="317" />
        <source>{field}: only Latin letters, digits, '-' and '_'</source>
        <translation>{field}: только латинские буквы, цифры, «-» и «_»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="318" />
        <source>{field}: a percentage above 0 and at most 100</source>
        <translation>{field}: процент больше 0 и не больше 100</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="319" />
        <source>{field}: percent or amount</source>
        <translation>{field}: процент или сумма</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="320" />
        <source>{field}: a card number is needed</source>
        <translation>{field}: нужен номер карты</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="321" />
        <source>{field}: this value is not valid ({reason})</source>
        <translation>{field}: недопустимое значение ({reason})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="322" />
        <source>Nothing was read</source>
        <translation>Ничего не считано</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="323" />
        <source>Barcode {code} is wrong (check digit)</source>
        <translation>Штрихкод {code} неверен (контрольная цифра)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="324" />
        <source>Unknown code {code}</source>
        <translation>Неизвестный код {code}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="325" />
        <source>{path}: there is no such file</source>
        <translation>{path}: такого файла нет</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="326" />
        <source>{path} is not a file</source>
        <translation>{path} — не файл</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="327" />
        <source>The image {path} cannot be read: {os}</source>
        <translation>Не удалось прочитать изображение {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="328" />
        <source>The image file {path} is empty</source>
        <translation>Файл изображения {path} пуст</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="329" />
        <source>{path} is not an image or is damaged</source>
        <translation>{path} — не изображение или файл повреждён</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="330" />
        <location filename="../../wording.py" line="331" />
        <source>{path} is not a video or is damaged</source>
        <translation>{path} — не видео или файл повреждён</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="332" />
        <source>camera {source} is not connected</source>
        <translation>камера {source} не подключена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="333" />
        <source>cannot open camera {source}</source>
        <translation>не удалось открыть камеру {source}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="334" />
        <source>camera {source} stopped sending pictures</source>
        <translation>камера {source} перестала передавать изображение</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="335" />
        <source>reading codes from the camera failed: {detail}</source>
        <translation>сбой распознавания кодов с камеры: {detail}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="336" />
        <source>Cannot save receipt PDF to {path}: {os}</source>
        <translation>Не удалось сохранить PDF чека в {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="337" />
        <source>Printer {where} did not answer within {seconds} s: check that it is on and connected to the network</source>
        <translation>Принтер {where} не ответил за {seconds} с: проверьте, что он включён и подключён к сети</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="341" />
        <source>Printer {where} refused the connection: check the printer's address and port</source>
        <translation>Принтер {where} отклонил подключение: проверьте адрес и порт принтера</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="345" />
        <source>Cannot print to {where}: {os}</source>
        <translation>Не удалось напечатать на {where}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="346" />
        <source>{name}: USB printing is not available on this computer</source>
        <translation>{name}: печать по USB на этом компьютере недоступна</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="347" />
        <source>{name}: the printer is not found or not ready</source>
        <translation>{name}: принтер не найден или не готов</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="348" />
        <source>There is no printer named {name} on this computer</source>
        <translation>На этом компьютере нет принтера «{name}»</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="349" />
        <source>No printer is installed on this computer</source>
        <translation>На этом компьютере не установлен ни один принтер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="350" />
        <source>{name}: the printer cannot start printing (offline or out of paper?)</source>
        <translation>{name}: принтер не может начать печать (выключен или нет бумаги?)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="354" />
        <source>{name}: the printer did not accept the job</source>
        <translation>{name}: принтер не принял задание</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="355" />
        <source>The printer setting “{setting}” is not understood, so receipts are not printed. Choose the printer again in Manager › Settings › Printer.</source>
        <translation>Настройка принтера «{setting}» не понята, поэтому чеки не печатаются. Выберите принтер заново: Управляющий › Настройки › Принтер.</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="360" />
        <source>Printer setting {setting}: expected escpos-net:ADDRESS[:PORT]</source>
        <translation>Настройка принтера {setting}: нужно escpos-net:АДРЕС[:ПОРТ]</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="364" />
        <source>Printer setting {setting}: expected escpos-usb:VID:PID in hex</source>
        <translation>Настройка принтера {setting}: нужно escpos-usb:VID:PID (шестнадцатеричные)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="368" />
        <source>Unknown printer setting {setting}</source>
        <translation>Неизвестная настройка принтера {setting}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="369" />
        <source>Make at least one code</source>
        <translation>Создайте хотя бы один код</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="370" />
        <source>No customer is in this segment</source>
        <translation>В этом сегменте нет покупателей</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="371" />
        <source>There is already a store at {path}</source>
        <translation>В {path} уже есть магазин</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="372" />
        <source>The connection to the server was lost: connect to the server again</source>
        <translation>Подключение к серверу потеряно: подключитесь к серверу заново</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="376" />
        <source>The store cannot be created in {path}: {os}</source>
        <translation>Не удалось создать магазин в {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="377" />
        <source>The store in {path} could not be finished ({detail})</source>
        <translation>Не удалось завершить создание магазина в {path} ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="378" />
        <source>The server does not know store {store}</source>
        <translation>Сервер не знает магазин {store}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="379" />
        <source>The server does not know till {terminal}</source>
        <translation>Сервер не знает кассу {terminal}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="380" />
        <source>An administrator's password needs at least 8 characters</source>
        <translation>Пароль администратора — не меньше 8 символов</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="381" />
        <source>Wrong administrator name or password</source>
        <translation>Неверное имя или пароль администратора</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="382" />
        <source>The administrator's session has expired: log in again</source>
        <translation>Сеанс администратора истёк: войдите снова</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="383" />
        <source>This is managed on the chain's server, not at a till</source>
        <translation>Это настраивается на сервере сети, а не на кассе</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="384" />
        <source>The server does not know this kind of operation ({kind})</source>
        <translation>Сервер не знает такой вид операции ({kind})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="385" />
        <source>The server's data folder {path} cannot be created: {os}</source>
        <translation>Не удалось создать папку данных сервера {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="386" />
        <source>The server's database cannot be prepared ({detail})</source>
        <translation>Не удалось подготовить базу данных сервера ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="387" />
        <source>Too many failed logins: try again in {wait_seconds}</source>
        <translation>Слишком много неудачных входов: попробуйте снова через {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="388" />
        <source>Too many wrong connection codes from this computer: try again in {wait_seconds}</source>
        <translation>Слишком много неверных кодов подключения с этого компьютера: попробуйте снова через {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="391" />
        <source>The server is busy checking other logins: try again in {wait_seconds}</source>
        <translation>Сервер занят проверкой других входов: попробуйте снова через {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="394" />
        <source>This needs an administrator's login; a manager's login reads reports only</source>
        <translation>Нужен вход администратора: вход менеджера даёт только отчёты</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="397" />
        <source>Unknown role {role}: administrator or manager</source>
        <translation>Неизвестная роль {role}: администратор или менеджер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="398" />
        <source>The chain's reports need a manager's login to the server</source>
        <translation>Отчёты сети требуют входа менеджера на сервер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="399" />
        <source>This login reads the reports of these stores only: {stores}. Choose one of them</source>
        <translation>Этому входу доступны отчёты только этих магазинов: {stores}. Выберите один из них</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="402" />
        <source>The server refuses more tries for now: try again in {wait_seconds}</source>
        <translation>Сервер пока не принимает новых попыток: попробуйте снова через {wait_seconds}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="403" />
        <source>The request is larger than the server accepts</source>
        <translation>Запрос больше, чем принимает сервер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="404" />
        <source>Log in to the server as a manager to see the whole chain</source>
        <translation>Войдите на сервер как менеджер, чтобы видеть всю сеть</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="405" />
        <source>The server refused it: dated {at_iso}, ahead of the server's clock</source>
        <translation>Сервер отклонил операцию: её дата {at_iso} впереди часов сервера</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="406" />
        <source>The server refused it: the figures do not follow from the rules ({detail})</source>
        <translation>Сервер отклонил операцию: суммы не следуют из правил ({detail})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="409" />
        <source>The server refused it: the till names data it was never sent</source>
        <translation>Сервер отклонил операцию: касса ссылается на данные, которых не получала</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="410" />
        <source>A manager must approve this operation</source>
        <translation>Эту операцию должен подтвердить менеджер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="411" />
        <source>{actor} is not registered on the server as a manager of this store</source>
        <translation>{actor} не зарегистрирован на сервере менеджером этого магазина</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="414" />
        <source>Adjusting {points} would pass the store's daily limit ({used} of {limit} used)</source>
        <translation>Начисление {points} превысит дневной лимит магазина (использовано {used} из {limit})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="417" />
        <source>The fiscal register does not answer ({device}): check its cable and power</source>
        <translation>Касса (ККТ) не отвечает ({device}): проверьте кабель и питание</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="420" />
        <source>The fiscal register is out of paper: load a new roll</source>
        <translation>В кассе закончилась бумага: вставьте новый рулон</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="421" />
        <source>The fiscal register's cover is open: close it</source>
        <translation>Открыта крышка кассы: закройте её</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="422" />
        <source>The register's shift has been open for more than 24 hours: close the shift (Z-report)</source>
        <translation>Смена на кассе открыта больше 24 часов: закройте смену (Z-отчёт)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="425" />
        <source>The register's shift is closed: open a shift first</source>
        <translation>Смена на кассе закрыта: сначала откройте смену</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="426" />
        <source>The fiscal drive is full: it must be replaced</source>
        <translation>Фискальный накопитель заполнен: его нужно заменить</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="427" />
        <source>The fiscal drive's validity has ended: it must be replaced</source>
        <translation>Срок действия фискального накопителя истёк: его нужно заменить</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="428" />
        <source>The fiscal drive is blocked: no confirmation from the fiscal data operator for {days} days</source>
        <translation>Фискальный накопитель заблокирован: ОФД не подтверждает документы уже {days} дн.</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="431" />
        <source>The fiscal register is busy with another document: try again</source>
        <translation>Касса занята другим документом: повторите</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="432" />
        <source>The fiscal register refused: {text} (code {device_code})</source>
        <translation>Касса отказала: {text} (код {device_code})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="433" />
        <source>The register's answer was lost: the receipt will be checked at the next start</source>
        <translation>Ответ кассы потерян: чек будет проверен при следующем запуске</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="436" />
        <source>The register's receipt total {receipt_kopecks} differs from the sale's {sale_kopecks}</source>
        <translation>Сумма чека кассы {receipt_kopecks} не совпадает с суммой продажи {sale_kopecks}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="439" />
        <source>This is not a fiscal receipt QR code</source>
        <translation>Это не QR-код кассового чека</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="440" />
        <source>This fiscal receipt is already attached to sale {sale_id}</source>
        <translation>Этот кассовый чек уже привязан к продаже № {sale_id}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="441" />
        <source>No sale has this fiscal receipt</source>
        <translation>Нет продажи с этим кассовым чеком</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="442" />
        <source>No fiscal register is set</source>
        <translation>Касса (ККТ) не настроена</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="443" />
        <source>Unknown fiscal device {text}</source>
        <translation>Неизвестное устройство кассы {text}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="444" />
        <source>The period's last day {last} is before its first day {first}</source>
        <translation>Последний день периода {last} раньше первого {first}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="445" />
        <source>No cashier named {name}</source>
        <translation>Нет кассира с именем {name}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="446" />
        <source>Card {card} has been used {count} times today; the program allows {limit}</source>
        <translation>Карта {card} сегодня использована {count} раз; программа разрешает {limit}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="449" />
        <source>Card {card} would earn {points} today; the program allows {limit_points}</source>
        <translation>Карта {card} сегодня получила бы {points}; программа разрешает {limit_points}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="452" />
        <source>Card {card} would pay {points} today; the program allows {limit_points}</source>
        <translation>Карта {card} сегодня списала бы {points}; программа разрешает {limit_points}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="455" />
        <source>{actor} would adjust {points} by hand today; the program allows {limit_points}</source>
        <translation>{actor} сегодня вручную изменил(а) бы {points}; программа разрешает {limit_points}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="458" />
        <source>Card {card} has been used {count} times today (more than {limit}): check the customer</source>
        <translation>Карта {card} сегодня использована {count} раз (больше {limit}): проверьте покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="461" />
        <source>Card {card} earns {points} today (more than {limit_points}): check the customer</source>
        <translation>Карта {card} сегодня получает {points} (больше {limit_points}): проверьте покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="464" />
        <source>Card {card} pays {points} today (more than {limit_points}): check the customer</source>
        <translation>Карта {card} сегодня списывает {points} (больше {limit_points}): проверьте покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="467" />
        <source>{actor} has adjusted {points} by hand today (more than {limit_points})</source>
        <translation>{actor} сегодня вручную изменил(а) {points} (больше {limit_points})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="470" />
        <source>{field}: the warning must be below the stop</source>
        <translation>{field}: предупреждение должно быть ниже запрета</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="471" />
        <source>Paying with points needs the customer's confirmation</source>
        <translation>Для списания баллов нужно подтверждение покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="472" />
        <location filename="../../wording.py" line="478" />
        <source>Paying {points} needs the customer's confirmation: a code, the phone's QR or a manager</source>
        <translation>Для списания {points} нужно подтверждение покупателя: код, QR с телефона или менеджер</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="475" />
        <source>The customer was found by phone: paying {points} needs their confirmation</source>
        <translation>Покупатель найден по телефону: для списания {points} нужно его подтверждение</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="481" />
        <source>No SMS sender is set up: confirm with the customer's phone QR or a manager</source>
        <translation>Отправка SMS не настроена: подтвердите QR-кодом с телефона покупателя или у менеджера</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="484" />
        <source>Card {card} has no phone number here to send a code to</source>
        <translation>У карты {card} здесь нет номера телефона для кода</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="485" />
        <source>The code could not be sent: {text}</source>
        <translation>Код не отправлен: {text}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="486" />
        <source>A code was sent just now: wait {wait_seconds} s</source>
        <translation>Код только что отправлен: подождите {wait_seconds} с</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="487" />
        <source>The code has expired or was never sent: send a new one</source>
        <translation>Код истёк или не отправлялся: отправьте новый</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="488" />
        <source>Wrong code: {left} tries left</source>
        <translation>Неверный код: осталось попыток: {left}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="489" />
        <source>Too many wrong codes: send a new one</source>
        <translation>Слишком много неверных кодов: отправьте новый</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="490" />
        <source>This is not the customer's current code</source>
        <translation>Это не текущий код покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="491" />
        <source>This code was already used: wait for the next one on the customer's phone</source>
        <translation>Этот код уже использован: дождитесь следующего на телефоне покупателя</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="494" />
        <source>Say why the manager confirms it</source>
        <translation>Укажите причину подтверждения менеджером</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="495" />
        <source>Card {card} does not belong to this customer</source>
        <translation>Карта {card} не принадлежит этому покупателю</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="496" />
        <source>Unknown taxation {text}: osn, usn_income, usn_income_outcome or patent</source>
        <translation>Неизвестная система налогообложения {text}: osn, usn_income, usn_income_outcome или patent</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="499" />
        <source>Unknown VAT rate {text}: 22, 10, 0, 5, 7 or none</source>
        <translation>Неизвестная ставка НДС {text}: 22, 10, 0, 5, 7 или none</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="500" />
        <source>Unknown payment object {text}: commodity or service</source>
        <translation>Неизвестный предмет расчёта {text}: commodity (товар) или service (услуга)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="501" />
        <source>{text} must be CATEGORY=VALUE</source>
        <translation>{text}: нужно КАТЕГОРИЯ=ЗНАЧЕНИЕ</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="502" />
        <source>INN {text} must be 10 or 12 digits</source>
        <translation>ИНН {text} должен состоять из 10 или 12 цифр</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="503" />
        <source>{text} is neither a phone number nor an e-mail address</source>
        <translation>{text}: это не номер телефона и не адрес электронной почты</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="504" />
        <source>This needs a fiscal register driven by this terminal (now: {device})</source>
        <translation>Нужна касса, которой управляет этот терминал (сейчас: {device})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="507" />
        <source>A register's receipt QR is attached in beside mode only (now: {device})</source>
        <translation>QR-код чека кассы привязывается только в режиме «касса рядом» (сейчас: {device})</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="510" />
        <source>This fiscal receipt is not a sale receipt</source>
        <translation>Этот чек кассы не является чеком прихода</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="511" />
        <source>An earn-only sale from a register's receipt needs a loyalty card</source>
        <translation>Для начисления баллов по чеку кассы нужна карта</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="514" />
        <source>The fiscal drive is nearly full: order a new one</source>
        <translation>Фискальный накопитель почти заполнен: закажите новый</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="515" />
        <source>The fiscal drive's validity ends within 30 days: order a new one</source>
        <translation>Срок действия фискального накопителя истекает в течение 30 дней: закажите новый</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="518" />
        <source>{count} documents not confirmed by the fiscal data operator for {days} days (the drive blocks at 30)</source>
        <translation>{count} документов не подтверждены ОФД уже {days} дн. (на 30-й день накопитель заблокируется)</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="522" />
        <source>The register's shift has been open for {hours} hours: close it before 24</source>
        <translation>Смена кассы открыта уже {hours} ч: закройте её до 24 ч</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="525" />
        <source>{count} receipts wait for the register's answer</source>
        <translation>{count} чеков ждут ответа кассы</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="530" />
        <source>the disk is full</source>
        <translation>диск заполнен</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="531" />
        <location filename="../../wording.py" line="532" />
        <source>no permission to write there</source>
        <translation>нет прав на запись</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="533" />
        <source>the disk is read-only</source>
        <translation>диск доступен только для чтения</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="534" />
        <source>there is no such file or folder</source>
        <translation>нет такого файла или папки</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="535" />
        <source>this is a folder</source>
        <translation>это папка</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="536" />
        <source>this is not a folder</source>
        <translation>это не папка</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="537" />
        <source>File {path}: {os}</source>
        <translation>Файл {path}: {os}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="538" />
        <source>Something went wrong: {detail}</source>
        <translation>Что-то пошло не так: {detail}</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="539" />
        <source>{field}: a whole number is needed</source>
        <translation>{field}: нужно целое число</translation>
    </message>
    <message>
        <location filename="../../wording.py" line="540" />
        <source>{field}: an amount in roubles like 1 500 or 149,90 is needed</source>
        <translation>{field}: нужна сумма в рублях, например 1 500 или 149,90</translation>
    </message>
</context>
<context>
    <name>ReportsView</name>
    <message>
        <location filename="../../manager/reports_view.py" line="115" />
        <source>Stores</source>
        <translation>Магазины</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="117" />
        <source>Sales</source>
        <translation>Продажи</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="118" />
        <source>Customers and tiers</source>
        <translation>Покупатели</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="119" />
        <source>Segments</source>
        <translation>Сегменты</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="120" />
        <source>Points</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="121" />
        <source>Coupons, gifts, stamps</source>
        <translation>Купоны и подарки</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="122" />
        <source>Lifetime value</source>
        <translation>Ценность (CLV)</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="154" />
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="155" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="156" />
        <source>Phone</source>
        <translation>Телефон</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="157" />
        <source>Card</source>
        <translation>Карта</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="158" />
        <source>Last purchase</source>
        <translation>Последняя покупка</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="159" />
        <source>Purchases</source>
        <translation>Покупок</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="173" />
        <location filename="../../manager/reports_view.py" line="230" />
        <source>Choose a segment above to see its customers.</source>
        <translation>Выберите сегмент выше, чтобы увидеть его покупателей.</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="254" />
        <source>Most purchases first; click a heading to sort.</source>
        <translation>Сначала те, кто покупал чаще; щёлкните заголовок, чтобы отсортировать.</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="266" />
        <source>No CLV estimate: {sample} customers, at least {minimum} needed</source>
        <translation>Оценки CLV нет: покупателей {sample}, нужно не меньше {minimum}</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="271" />
        <source>A retention measured on so few customers could put the lifetime anywhere up to 10 years.</source>
        <translation>Удержание, измеренное на стольких покупателях, может дать любой срок жизни вплоть до 10 лет.</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="274" />
        <source>CLV estimate: {value}</source>
        <translation>Оценка CLV: {value}</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="277" />
        <source>CLV estimate: {value} (from {low} to {high}, 95 %)</source>
        <translation>Оценка CLV: {value} (от {low} до {high}, 95 %)</translation>
    </message>
    <message>
        <location filename="../../manager/reports_view.py" line="283" />
        <source>No estimate yet: it needs card buyers in this period and in the one before it.</source>
        <translation>Оценки пока нет: нужны покупатели с картой в этом и в предыдущем таком же периоде.</translation>
    </message>
</context>
<context>
    <name>ScanRouter</name>
    <message>
        <location filename="../../checkout/scan.py" line="32" />
        <source>Still starting up: scan again in a moment</source>
        <translation>Программа ещё запускается: отсканируйте через секунду</translation>
    </message>
</context>
<context>
    <name>ServerChooser</name>
    <message>
        <location filename="../../wizard/server.py" line="74" />
        <source>from the chain's manager</source>
        <translation>у управляющего сетью</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="75" />
        <source>Connect</source>
        <translation>Подключить</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="82" />
        <source>Server address</source>
        <translation>Адрес сервера</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="83" />
        <source>One-time code</source>
        <translation>Одноразовый код</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="88" />
        <source>The same as the chain's (ask if it differs)</source>
        <translation>Та же, что у сети (спросить, если отличается)</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="89" />
        <source>Adopt the chain's program</source>
        <translation>Перейти на программу сети</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="90" />
        <source>Make this store's program the chain's (a chain without one)</source>
        <translation>Сделать программу магазина программой сети (если у сети её нет)</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="91" />
        <source>Loyalty program</source>
        <translation>Программа лояльности</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="114" />
        <source>The server address starts with http:// or https://</source>
        <translation>Адрес сервера начинается с http:// или https://</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="117" />
        <source>Enter the one-time code from the chain's manager</source>
        <translation>Введите одноразовый код, полученный у управляющего сетью</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="120" />
        <source>Connecting to {url}…</source>
        <translation>Подключаемся к {url}…</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="138" />
        <source>Connected to {url} as terminal {terminal}</source>
        <translation>Подключено к {url}, касса № {terminal}</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="145" />
        <source>Cannot reach the server at {url}. Check the address and the network, or skip this step and connect later in the settings.</source>
        <translation>Сервер {url} недоступен. Проверьте адрес и сеть или пропустите этот шаг и подключитесь позже в настройках.</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="154" />
        <source>The server refused the code: {reason}. Ask the chain's manager for a new code.</source>
        <translation>Сервер не принял код: {reason}. Попросите у управляющего сетью новый код.</translation>
    </message>
    <message>
        <location filename="../../wizard/server.py" line="158" />
        <source>The connection failed: {reason}</source>
        <translation>Подключиться не удалось: {reason}</translation>
    </message>
</context>
<context>
    <name>ServerLoginDialog</name>
    <message>
        <location filename="../../manager/server_login.py" line="40" />
        <source>The chain's server</source>
        <translation>Сервер сети</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="44" />
        <source>The whole chain's reports need your manager's login to the server.</source>
        <translation>Для отчётов всей сети нужен ваш вход менеджера на сервер.</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="50" />
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="51" />
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="57" />
        <source>Log in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="58" />
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="79" />
        <source>Type the name and the password</source>
        <translation>Введите имя и пароль</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="82" />
        <source>Asking the server…</source>
        <translation>Запрос к серверу…</translation>
    </message>
    <message>
        <location filename="../../manager/server_login.py" line="91" />
        <source>Wrong name or password</source>
        <translation>Неверное имя или пароль</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <location filename="../../wizard/pages.py" line="97" />
        <source>Part of a chain?</source>
        <translation>Магазин входит в сеть?</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="100" />
        <source>If your stores share customers through a central server, connect this terminal now. A single store skips this step: leave the fields empty and press Next.</source>
        <translation>Если ваши магазины ведут общих покупателей через центральный сервер, подключите кассу сейчас. Отдельный магазин пропускает этот шаг: оставьте поля пустыми и нажмите «Далее».</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="118" />
        <source>Press Connect, or clear both fields to skip this step</source>
        <translation>Нажмите «Подключить» или очистите оба поля, чтобы пропустить шаг</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <location filename="../../session.py" line="56" />
        <source>Reprint last receipt</source>
        <translation>Повторить печать чека</translation>
    </message>
    <message>
        <location filename="../../session.py" line="57" />
        <source>Shift…</source>
        <translation>Смена…</translation>
    </message>
    <message>
        <location filename="../../session.py" line="58" />
        <source>Change cashier</source>
        <translation>Сменить кассира</translation>
    </message>
    <message>
        <location filename="../../session.py" line="59" />
        <source>Sync now</source>
        <translation>Синхронизировать сейчас</translation>
    </message>
    <message>
        <location filename="../../session.py" line="105" />
        <location filename="../../session.py" line="131" />
        <source>Log in first</source>
        <translation>Сначала войдите в систему</translation>
    </message>
    <message>
        <location filename="../../session.py" line="159" />
        <source>No printer is set up</source>
        <translation>Принтер не настроен</translation>
    </message>
    <message>
        <location filename="../../session.py" line="168" />
        <source>Server: connecting…</source>
        <translation>Сервер: подключение…</translation>
    </message>
    <message>
        <location filename="../../session.py" line="170" />
        <source>Restored from a backup: connect to the server again (Settings)</source>
        <translation>Восстановлено из копии: подключитесь к серверу заново (Настройки)</translation>
    </message>
    <message>
        <location filename="../../session.py" line="172" />
        <source>Standalone</source>
        <translation>Автономная касса</translation>
    </message>
    <message>
        <location filename="../../session.py" line="178" />
        <source>This terminal is not connected to a server</source>
        <translation>Эта касса не подключена к серверу</translation>
    </message>
    <message>
        <location filename="../../session.py" line="188" />
        <source>never</source>
        <translation>никогда</translation>
    </message>
    <message>
        <location filename="../../session.py" line="190" />
        <source>online</source>
        <translation>в сети</translation>
    </message>
    <message>
        <location filename="../../session.py" line="190" />
        <source>offline</source>
        <translation>нет связи</translation>
    </message>
    <message>
        <location filename="../../session.py" line="192" />
        <source>Server: {state} · queue {n} · synced {at}</source>
        <translation>Сервер: {state} · в очереди {n} · синхр. {at}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../settings_dialog.py" line="115" />
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="126" />
        <source>Store name</source>
        <translation>Название магазина</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="127" />
        <source>Address</source>
        <translation>Адрес</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="128" />
        <source>Store</source>
        <translation>Магазин</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="132" />
        <source>Printer</source>
        <translation>Принтер</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="135" />
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="139" />
        <source>Fiscal register</source>
        <translation>Касса</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="153" />
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="162" />
        <source>Language of the screens</source>
        <translation>Язык экранов</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="163" />
        <source>A new language is used from the next start.</source>
        <translation>Новый язык включится при следующем запуске.</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="164" />
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="166" />
        <source>Show the customer display</source>
        <translation>Показывать экран покупателя</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="169" />
        <source>Automatically: the second screen</source>
        <translation>Автоматически: второй экран</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="175" />
        <source>{screen} (not connected)</source>
        <translation>{screen} (не подключён)</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="180" />
        <source>Screen</source>
        <translation>Экран</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="184" />
        <source>The basket, the total and the customer's points, facing the customer. F11 shows or hides it. Unplugged, it comes back when its screen is connected again.</source>
        <translation>Покупка, сумма и баллы покупателя — на экране, обращённом к покупателю. F11 показывает и скрывает его. Если экран отключить, изображение вернётся, когда его подключат снова.</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="190" />
        <source>Customer display</source>
        <translation>Экран покупателя</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="194" />
        <source> h</source>
        <translation> ч</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="195" />
        <source>only at closing</source>
        <translation>только при закрытии</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="202" />
        <source>Also back up when the till is closed</source>
        <translation>Также сохранять копию при закрытии кассы</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="204" />
        <source>Back up now</source>
        <translation>Сохранить копию сейчас</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="212" />
        <source>Back up every</source>
        <translation>Резервная копия каждые</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="213" />
        <source>Backups kept</source>
        <translation>Хранить копий</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="221" />
        <source>Backups are kept in {folder}</source>
        <translation>Резервные копии хранятся в {folder}</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="224" />
        <source>Backups</source>
        <translation>Резервные копии</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="229" />
        <source>empty: codes are not sent by SMS</source>
        <translation>пусто — коды по SMS не отправляются</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="233" />
        <source>SMS.ru api_id</source>
        <translation>api_id SMS.ru</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="237" />
        <source>The key of the store's SMS.ru account (sms.ru › Programmers). The customer then gets a code by SMS to confirm paying with points; the phone's QR and a manager work without it.</source>
        <translation>Ключ учётной записи магазина в SMS.ru (sms.ru › Программистам). Тогда покупатель получает код по SMS для подтверждения списания баллов; QR телефона и менеджер работают и без него.</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="243" />
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="250" />
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="254" />
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="298" />
        <source>This terminal is connected to {url}. A new one-time code moves it to another server.</source>
        <translation>Касса подключена к {url}. С новым одноразовым кодом её можно перенести на другой сервер.</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="303" />
        <source>This terminal works on its own (not connected to a server).</source>
        <translation>Касса работает автономно (не подключена к серверу).</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="309" />
        <source>Newest backup: {when}</source>
        <translation>Последняя копия: {when}</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="353" />
        <source>The store needs a name</source>
        <translation>Укажите название магазина</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="397" />
        <source>The new language is used from the next start</source>
        <translation>Новый язык включится при следующем запуске</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="434" />
        <source>Backups are not running in this window</source>
        <translation>В этом окне резервное копирование не запущено</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="441" />
        <source>Backing up…</source>
        <translation>Сохраняем копию…</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="446" />
        <source>Nothing has changed since the newest backup</source>
        <translation>С последней копии ничего не изменилось</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="448" />
        <source>Backup written: {name}</source>
        <translation>Копия сохранена: {name}</translation>
    </message>
</context>
<context>
    <name>ShiftDialog</name>
    <message>
        <location filename="../../shift.py" line="82" />
        <source>Shift</source>
        <translation>Смена</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="84" />
        <source>Shift of {name}</source>
        <translation>Смена: {name}</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="91" />
        <source>Open shift</source>
        <translation>Открыть смену</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="94" />
        <location filename="../../shift.py" line="196" />
        <source>Close shift</source>
        <translation>Закрыть смену</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="97" />
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="134" />
        <source>No shift is open. Open one to start selling.</source>
        <translation>Смена не открыта. Откройте смену, чтобы начать продажи.</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="148" />
        <source>Opened</source>
        <translation>Открыта</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="149" />
        <source>Closed</source>
        <translation>Закрыта</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="150" />
        <source>Sales</source>
        <translation>Продажи</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="151" />
        <source>Refunds</source>
        <translation>Возвраты</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="152" />
        <source>Takings</source>
        <translation>Выручка</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="154" />
        <source>In cash</source>
        <translation>Наличными</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="154" />
        <source>By bank card</source>
        <translation>Банковской картой</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="158" />
        <source>Points issued</source>
        <translation>Начислено баллов</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="159" />
        <source>Points redeemed</source>
        <translation>Списано баллов в оплату</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="160" />
        <source>Points taken back by refunds</source>
        <translation>Списано баллов при возвратах</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="161" />
        <source>Points returned by refunds</source>
        <translation>Возвращено баллов при возвратах</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="162" />
        <source>Sales with a loyalty card</source>
        <translation>Продажи с картой лояльности</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="177" />
        <source>Opening the shift on the fiscal register…</source>
        <translation>Открываю смену на кассе…</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="197" />
        <source>Close the shift now? Sales after this need a new shift.</source>
        <translation>Закрыть смену сейчас? Для следующих продаж понадобится новая смена.</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="208" />
        <source>Closing the shift on the fiscal register (Z-report)…</source>
        <translation>Закрываю смену на кассе (Z-отчёт)…</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="227" />
        <source>Shift No. {n} is closed.</source>
        <translation>Смена № {n} закрыта.</translation>
    </message>
    <message>
        <location filename="../../shift.py" line="229" />
        <source>The register printed the Z-report (register shift {n}).</source>
        <translation>Касса напечатала Z-отчёт (смена кассы {n}).</translation>
    </message>
</context>
<context>
    <name>StaffPage</name>
    <message>
        <location filename="../../wizard/pages.py" line="250" />
        <source>Who works at the till</source>
        <translation>Кто работает на кассе</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="253" />
        <source>The manager approves refunds and changes settings. Each person logs in with a PIN of 4 to 8 digits.</source>
        <translation>Менеджер подтверждает возвраты и меняет настройки. Каждый входит со своим PIN-кодом из 4–8 цифр.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="260" />
        <source>Also add a cashier</source>
        <translation>Добавить и кассира</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="267" />
        <source>Manager's name</source>
        <translation>Имя менеджера</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="268" />
        <location filename="../../wizard/pages.py" line="275" />
        <source>PIN</source>
        <translation>PIN-код</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="269" />
        <location filename="../../wizard/pages.py" line="276" />
        <source>PIN again</source>
        <translation>PIN-код ещё раз</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="274" />
        <source>Cashier's name</source>
        <translation>Имя кассира</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="314" />
        <source>The two PINs differ: enter the PIN again</source>
        <translation>PIN-коды не совпадают: введите ещё раз</translation>
    </message>
</context>
<context>
    <name>Start</name>
    <message>
        <location filename="../../main.py" line="245" />
        <location filename="../../main.py" line="388" />
        <source>Restoring the backup…</source>
        <translation>Восстанавливаем резервную копию…</translation>
    </message>
    <message>
        <location filename="../../main.py" line="329" />
        <source>Loyalty Terminal is already running on this computer (data folder {folder}).</source>
        <translation>Терминал лояльности уже запущен на этом компьютере (папка данных {folder}).</translation>
    </message>
    <message>
        <location filename="../../main.py" line="386" />
        <source>Creating the store…</source>
        <translation>Создаём магазин…</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <location filename="../../startup.py" line="121" />
        <source>The till cannot write in its data folder {folder} ({detail}). The folder or the disk is read-only: give this user write access, or ask your technician.</source>
        <translation>Касса не может записывать в папку данных {folder} ({detail}). Папка или диск только для чтения: дайте этому пользователю право записи или обратитесь к специалисту.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="127" />
        <source>The disk holding {folder} is full ({detail}): no sale could be saved. Free some space (old files, the recycle bin), then start the till again.</source>
        <translation>Диск с папкой {folder} заполнен ({detail}): продажи не сохранились бы. Освободите место (старые файлы, корзина) и запустите кассу снова.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="133" />
        <source>The disk holding {folder} is almost full: {detail} free. Sales and backups will soon fail to be saved: free some space.</source>
        <translation>Диск с папкой {folder} почти заполнен: свободно {detail}. Скоро продажи и резервные копии перестанут сохраняться: освободите место.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="139" />
        <source>The till cannot use its data folder {folder}: {detail}</source>
        <translation>Касса не может работать с папкой данных {folder}: {detail}</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="247" />
        <source>The store's database is damaged, so the till stops now and writes nothing more to it. Start the till again: it will offer the newest good backup.

What was found: {problem}</source>
        <translation>База данных магазина повреждена, поэтому касса сейчас остановится и больше ничего в неё не запишет. Запустите кассу снова: она предложит самую свежую исправную копию.

Что обнаружено: {problem}</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="306" />
        <source>Start anyway</source>
        <translation>Всё равно запустить</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="308" />
        <location filename="../../startup.py" line="349" />
        <location filename="../../startup.py" line="390" />
        <source>Quit</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="325" />
        <source>The store's database is damaged, so the till will not open it.</source>
        <translation>База данных магазина повреждена, поэтому касса её не откроет.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="331" />
        <source>The newest good backup was made on {when}. Restoring it brings back everything up to then; sales made after it are lost. The damaged file is kept beside the store for your technician.

What was found: {problem}</source>
        <translation>Последняя исправная резервная копия сделана {when}. Восстановление вернёт всё, что было до этого момента; продажи после неё будут потеряны. Повреждённый файл останется рядом с базой для специалиста.

Что обнаружено: {problem}</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="339" />
        <source>Restore the backup</source>
        <translation>Восстановить копию</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="343" />
        <source>There is no good backup to restore. Do not delete anything: copy the data folder and call your technician.

What was found: {problem}</source>
        <translation>Исправной резервной копии нет. Ничего не удаляйте: скопируйте папку данных и позвоните специалисту.

Что обнаружено: {problem}</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="371" />
        <source>The store's database is missing from {folder}.</source>
        <translation>База данных магазина пропала из папки {folder}.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="377" />
        <source>There are {n} backups of it; the newest was made on {when}. Restoring it brings back the customers, their points and the sales up to then. A new store would start with no customers, and the cards already handed out would not work.</source>
        <translation>Резервных копий: {n}, самая свежая сделана {when}. Восстановление вернёт покупателей, их баллы и продажи на тот момент. Новый магазин начнётся без покупателей, и уже выданные карты работать не будут.</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="385" />
        <source>Restore the newest backup</source>
        <translation>Восстановить свежую копию</translation>
    </message>
    <message>
        <location filename="../../startup.py" line="388" />
        <source>Set up a new store</source>
        <translation>Создать новый магазин</translation>
    </message>
    <message>
        <location filename="../../main.py" line="269" />
        <location filename="../../main.py" line="276" />
        <location filename="../../startup.py" line="300" />
        <location filename="../../startup.py" line="322" />
        <location filename="../../startup.py" line="368" />
        <source>Loyalty Terminal</source>
        <translation>Терминал лояльности</translation>
    </message>
</context>
<context>
    <name>StorePage</name>
    <message>
        <location filename="../../wizard/pages.py" line="61" />
        <source>Your store</source>
        <translation>Ваш магазин</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="62" />
        <source>The name and address are printed at the top of every receipt.</source>
        <translation>Название и адрес печатаются в начале каждого чека.</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="65" />
        <source>Coffee House “Grain and Steam”</source>
        <translation>Кофейня «Зерно и Пар»</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="68" />
        <source>12 Lenin St., Yekaterinburg</source>
        <translation>г. Екатеринбург, ул. Ленина, д. 12</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="73" />
        <source>Store name</source>
        <translation>Название магазина</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="74" />
        <source>Address</source>
        <translation>Адрес</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="76" />
        <source>Restore from a backup file…</source>
        <translation>Восстановить из резервной копии…</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="82" />
        <source>Moving the till from another computer?</source>
        <translation>Переносите кассу с другого компьютера?</translation>
    </message>
    <message>
        <location filename="../../wizard/pages.py" line="89" />
        <source>The store will be kept in {folder}</source>
        <translation>Данные магазина хранятся в {folder}</translation>
    </message>
</context>
<context>
    <name>TotalsPanel</name>
    <message>
        <location filename="../../checkout/totals.py" line="29" />
        <source>Subtotal</source>
        <translation>Сумма</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="29" />
        <source>Discount</source>
        <translation>Скидка</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="29" />
        <source>Paid with points</source>
        <translation>Оплачено баллами</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="29" />
        <source>Will earn</source>
        <translation>Будет начислено</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="36" />
        <source>To pay</source>
        <translation>К оплате</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="61" />
        <source>Coupon {code} applied (in the discount)</source>
        <translation>Купон {code} применён (в скидке)</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="77" />
        <source>+{points} birthday</source>
        <translation>+{points} ко дню рождения</translation>
    </message>
    <message>
        <location filename="../../checkout/totals.py" line="79" />
        <source>gift −{points}</source>
        <translation>подарок −{points}</translation>
    </message>
</context>
<context>
    <name>_SettingsEntry</name>
    <message>
        <location filename="../../settings_dialog.py" line="494" />
        <source>Settings…</source>
        <translation>Настройки…</translation>
    </message>
    <message>
        <location filename="../../settings_dialog.py" line="502" />
        <source>A manager's PIN opens the settings</source>
        <translation>Настройки открываются PIN-кодом менеджера</translation>
    </message>
</context>
</TS>