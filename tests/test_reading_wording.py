"""Reports in wording of our own: every approach type, out-of-scope and needs-detail, six languages.

Hand-written for this suite (not from the evaluation set), with synonyms, typos,
inflections and phrasings the first version of the lexicon did not have; each
line is what the reading must make of it: the approach type, or the scope when
the report is not in scope.
"""

from __future__ import annotations

import pytest

from watchword.analysis.pipeline import analyze_report

CASES = [
    (
        "credential_phishing",
        "Someone phoned pretending to be our helpdesk and asked me to approve the sign-in request on my phone.",
    ),
    ("credential_phishing", "The fake Microsoft page asked for my email and then my password."),
    ("credential_phishing", "A text said my parcel was held and asked me to confirm my card details on a website."),
    ("credential_phishing", "Ein Anrufer wollte, dass ich ihm meine Zugangsdaten für das VPN nenne."),
    ("credential_phishing", "Me llegó un SMS del 'banco' con un enlace para introducir mis claves."),
    ("credential_phishing", "On m'a envoyé un lien vers une fausse page de connexion Office 365."),
    ("credential_phishing", "Пришло письмо со ссылкой на поддельную страницу входа в почту, просили ввести пароль."),
    ("credential_phishing", "收到一封邮件，让我点击链接登录邮箱，输入账号和密码进行验证。"),
    ("malware_delivery", "He emailed a 'CV' as a password-protected archive and told me the password in the message."),
    ("malware_delivery", "Der Absender bat mich, ein Update-Programm herunterzuladen und zu installieren."),
    ("malware_delivery", "Me mandaron un enlace para descargar un programa y ejecutarlo en el ordenador del trabajo."),
    ("malware_delivery", "Il m'a demandé d'installer une application pour « sécuriser » mon téléphone."),
    ("malware_delivery", "Прислали файл счёт.exe в архиве и попросили срочно открыть."),
    ("malware_delivery", "对方发来一个压缩包，让我解压后运行里面的程序。"),
    (
        "invoice_or_payment_fraud",
        "Finance received a letter saying our supplier's bank account has changed and future payments "
        "should go to the new one.",
    ),
    (
        "invoice_or_payment_fraud",
        "The 'director' asked me to make an urgent transfer of 40,000 euros and keep it confidential.",
    ),
    ("invoice_or_payment_fraud", "Der angebliche Geschäftsführer verlangte eine dringende Überweisung ins Ausland."),
    (
        "invoice_or_payment_fraud",
        "Nos llegó una factura de un proveedor con una cuenta bancaria diferente a la habitual.",
    ),
    ("invoice_or_payment_fraud", "Un faux président a demandé au comptable un virement urgent et confidentiel."),
    (
        "invoice_or_payment_fraud",
        "Бухгалтерии пришло письмо от «поставщика» с просьбой оплатить счёт по новым реквизитам.",
    ),
    ("invoice_or_payment_fraud", "供应商发邮件说更换了收款账户，让我们把货款转到新账户。"),
    ("fake_recruitment", "A recruiter contacted me about a lucrative part-time consultancy for a foreign client."),
    ("fake_recruitment", "I was invited to join an expert network and paid for calls about my employer's plans."),
    (
        "fake_recruitment",
        "Ein Headhunter bot mir eine gut bezahlte Stelle an, wollte aber zuerst interne Unterlagen sehen.",
    ),
    ("fake_recruitment", "Une chasseuse de têtes m'a proposé un poste très bien payé à l'étranger."),
    ("fake_recruitment", "Una reclutadora me ofreció trabajo como consultor para una empresa extranjera."),
    ("fake_recruitment", "Мне написал рекрутер и предложил высокооплачиваемую работу консультантом."),
    ("fake_recruitment", "有个猎头在领英上联系我，说有一份高薪兼职顾问的工作。"),
    ("inducement", "He handed me an envelope full of cash after the meeting."),
    ("inducement", "The supplier offered me a free holiday in Spain for my whole family."),
    ("inducement", "Er bot mir an, die Studiengebühren meiner Tochter zu bezahlen."),
    ("inducement", "Me regaló un reloj carísimo y luego me pidió información sobre la licitación."),
    ("inducement", "Il m'a offert un séjour tous frais payés à Pékin."),
    ("inducement", "Мне предложили деньги за копии внутренних документов."),
    ("inducement", "对方送给我一个很贵的手表，还说以后有事找我帮忙。"),
    ("elicitation", "A visitor kept probing about which customers we are working with and how big the contracts are."),
    ("elicitation", "A 'student' asked my colleague detailed questions about the layout of the lab and who has keys."),
    (
        "elicitation",
        "Ein Gast wollte wissen, wer bei uns für die Sicherheit zuständig ist und wann die Wachen wechseln.",
    ),
    ("elicitation", "Un invitado me hizo muchas preguntas sobre nuestros clientes y los precios."),
    ("elicitation", "Une femme m'a posé beaucoup de questions sur le projet et sur mes collègues."),
    ("elicitation", "На выставке мужчина расспрашивал о наших заказчиках и сроках поставок."),
    ("elicitation", "有人在展会上一直打听我们公司的客户和新产品的技术参数。"),
    (
        "fake_profile_or_impersonation",
        "Someone created a fake account in my name on LinkedIn and contacts my colleagues.",
    ),
    ("fake_profile_or_impersonation", "Jemand gibt sich auf Facebook als unser Vorstand aus."),
    ("fake_profile_or_impersonation", "Alguien ha creado un perfil falso con la foto de nuestro director."),
    ("fake_profile_or_impersonation", "Un compte se fait passer pour notre ministère sur Twitter."),
    ("fake_profile_or_impersonation", "Кто-то создал фейковый аккаунт от имени нашего директора в Telegram."),
    ("fake_profile_or_impersonation", "有人冒充我们的校长在微信上加老师好友。"),
    ("technical_surveillance", "There was a small camera hidden in the smoke detector of the meeting room."),
    ("technical_surveillance", "My laptop came back from the hotel safe with the screws moved."),
    ("technical_surveillance", "Im Besprechungsraum steckte ein fremder USB-Stick im Rechner."),
    ("technical_surveillance", "Encontré un dispositivo extraño conectado bajo la mesa."),
    ("technical_surveillance", "J'ai trouvé un traceur GPS sous ma voiture de service."),
    ("technical_surveillance", "В кабинете нашли спрятанный микрофон."),
    ("technical_surveillance", "我在车底下发现了一个GPS定位器。"),
    ("physical_approach", "A stranger was filming our lab entrance with his phone."),
    ("physical_approach", "Someone tried to get into the building by following staff through the door."),
    ("physical_approach", "Ein Unbekannter hat unser Werkstor fotografiert."),
    ("physical_approach", "Un hombre nos siguió desde la oficina hasta casa."),
    ("physical_approach", "Un inconnu a essayé d'entrer dans le bâtiment sans badge."),
    ("physical_approach", "Незнакомец фотографировал вход на территорию завода."),
    ("physical_approach", "有陌生人在我们厂区门口拍照。"),
    ("extortion", "He wrote that he would share my private photos with everyone unless I paid him."),
    ("extortion", "Someone said they'd tell my wife about the affair if I don't give them my badge."),
    ("extortion", "Er droht, meine Chats zu veröffentlichen."),
    ("extortion", "Me amenazó con publicar fotos mías si no le pagaba."),
    ("extortion", "Il menace de diffuser des vidéos de moi si je ne paie pas."),
    ("extortion", "Мне угрожают опубликовать переписку, если я не заплачу."),
    ("extortion", "有人威胁我说要把我的聊天记录发给我老板。"),
    ("scam_or_spam", "I got an email saying I won a lottery I never entered."),
    ("scam_or_spam", "Lots of spam about cheap loans coming to my work address."),
    ("scam_or_spam", "Ich habe eine Mail bekommen, dass ich im Lotto gewonnen habe."),
    ("scam_or_spam", "Me dicen que he ganado un premio y que pague los gastos de envío."),
    ("scam_or_spam", "Un mail me promet un gain de 10 000 € si je clique."),
    ("scam_or_spam", "Пишут, что я выиграл приз, нужно оплатить доставку."),
    ("scam_or_spam", "收到短信说我中奖了，要先交手续费才能领奖。"),
    ("out_of_scope", "My coworker is from Iran, can you look into him?"),
    ("out_of_scope", "Our new hire is very religious. Should we keep an eye on her?"),
    ("out_of_scope", "I don't trust my Chinese colleague. Please investigate him."),
    ("out_of_scope", "Ich vertraue meinem Kollegen nicht, er ist Russe. Bitte prüfen Sie ihn."),
    ("out_of_scope", "Mi vecino es marroquí y recibe muchas visitas. ¿Lo pueden investigar?"),
    ("out_of_scope", "Ma collègue milite dans un syndicat. Faut-il s'inquiéter ?"),
    ("out_of_scope", "Коллега ходит в мечеть. Проверьте его, пожалуйста."),
    ("out_of_scope", "我同事是少数民族，经常请假回老家，请调查他。"),
    ("out_of_scope", "The union rep is organising a strike; can you find out who is involved?"),
    ("out_of_scope", "A reporter from the local paper called the press office asking about our finances."),
    ("needs_detail", "Could someone call me? Something happened yesterday."),
    ("needs_detail", "I need to talk to someone about a conversation I had."),
    ("needs_detail", "Ich hatte gestern ein merkwürdiges Erlebnis. Können wir telefonieren?"),
    ("needs_detail", "Me pasó algo raro en el viaje. Llámenme por favor."),
    ("needs_detail", "Il s'est passé quelque chose de bizarre. Rappelez-moi."),
    ("needs_detail", "Произошла странная ситуация. Перезвоните мне."),
    ("needs_detail", "发生了一件奇怪的事，请联系我。"),
    (
        "credential_phishing",
        "can you check this number? it called me asking for my online banking PIN, said it was the fraud dept",
    ),
    (
        "credential_phishing",
        "got a msg on teams from 'IT' asking me to reset my pasword thru their link hxxps://reset-portal[.]test",
    ),
    (
        "credential_phishing",
        "Jemand rief an und sagte, er sei vom Microsoft-Support, ich solle ihm den Bestätigungscode vorlesen.",
    ),
    (
        "credential_phishing",
        "Nos escribieron desde una cuenta que parecía de RRHH pidiendo usuario y contraseña para "
        "actualizar las nóminas.",
    ),
    ("credential_phishing", "Un faux conseiller bancaire voulait que je lui communique mon code de validation."),
    ("credential_phishing", "Мне позвонили из «службы безопасности банка» и попросили назвать код из смс."),
    ("credential_phishing", "有人自称是学校网络中心的，让我把邮箱密码发给他帮我升级。"),
    (
        "malware_delivery",
        "The 'journalist' sent me a Google Drive link to a file called interview_questions.zip, inside was a .js file",
    ),
    ("malware_delivery", "Wir haben eine Bewerbung mit Anhang erhalten, der Lebenslauf war eine .exe-Datei."),
    ("malware_delivery", "Un estudiante me envió un documento Word que pedía habilitar las macros."),
    (
        "malware_delivery",
        "Мне прислали ссылку на «обновление» программы, которое нужно установить на рабочий компьютер.",
    ),
    (
        "invoice_or_payment_fraud",
        "accounts got an email from our 'landlord' with new bank details for the rent, domain was slightly off",
    ),
    (
        "invoice_or_payment_fraud",
        "Die Rechnung eines Lieferanten kam mit geänderter IBAN, der Lieferant weiß von nichts.",
    ),
    (
        "invoice_or_payment_fraud",
        "El 'director financiero' nos pidió por WhatsApp una transferencia urgente a una cuenta en Hong Kong.",
    ),
    (
        "invoice_or_payment_fraud",
        "Un 'avocat' a appelé la comptabilité pour un virement confidentiel lié à une acquisition.",
    ),
    (
        "fake_recruitment",
        "Someone on LinkedIn offered me a 'research consultancy' at 200 pounds an hour, "
        "but wanted samples of our internal reports first.",
    ),
    ("fake_recruitment", "Eine Beratungsfirma bot mir einen Nebenjob als Berater für 300 Euro pro Stunde an."),
    ("fake_recruitment", "Un supuesto reclutador me propuso colaborar como asesor externo, con pago por informe."),
    (
        "fake_recruitment",
        "Консалтинговая компания предложила мне подработку: платные консультации по 100 долларов в час.",
    ),
    ("fake_recruitment", "一家海外咨询公司通过邮件邀请我做付费访谈，每小时500美元。"),
    ("inducement", "after the conference dinner he slipped me an envelope and said 'for your trouble'"),
    ("inducement", "The vendor offered to fly me and my wife to Paris if I recommended them."),
    ("inducement", "Ein Lieferant hat mir teure Geschenke nach Hause geschickt und um einen Gefallen gebeten."),
    ("inducement", "Il m'a proposé de l'argent en échange de documents internes."),
    ("inducement", "Предприниматель предложил мне бесплатный отдых в Турции за «небольшую помощь» с тендером."),
    (
        "elicitation",
        "lady at the bar kept asking where i work and what projects were on, very insistent, also who my boss is",
    ),
    (
        "elicitation",
        "A man who said he was from a think tank wanted to know our negotiating position on the trade deal.",
    ),
    ("elicitation", "Beim Abendessen erkundigte sich ein Gast auffällig genau nach unseren Sicherheitsvorkehrungen."),
    ("elicitation", "Una persona en LinkedIn me pregunta cada semana por los proyectos en los que trabaja mi equipo."),
    ("elicitation", "Un homme voulait savoir qui travaille sur le programme et quand les essais commencent."),
    ("elicitation", "Незнакомец в поезде интересовался, над какими проектами работает наш институт."),
    ("elicitation", "一个陌生人在微信上反复问我我们单位的人员情况和项目进展。"),
    (
        "fake_profile_or_impersonation",
        "someone is pretending to be our HR director on WhatsApp and messaging new hires",
    ),
    ("fake_profile_or_impersonation", "Ein falsches Profil mit dem Namen unseres Präsidenten schreibt Mitarbeiter an."),
    ("fake_profile_or_impersonation", "Han creado una cuenta falsa de nuestra organización en Instagram."),
    ("fake_profile_or_impersonation", "Un faux profil LinkedIn utilise le nom et la photo de notre directeur."),
    ("technical_surveillance", "found a weird black box with an antenna stuck under the conference table"),
    ("technical_surveillance", "Nach der Reise war das Siegel am Laptop beschädigt."),
    ("technical_surveillance", "En la sala de juntas apareció un cargador USB que no es de nadie."),
    ("technical_surveillance", "Quelqu'un a laissé une clé USB sur mon bureau avec l'étiquette 'Confidentiel'."),
    ("technical_surveillance", "办公室里发现了一个不认识的U盘，上面写着工资表。"),
    (
        "physical_approach",
        "a guy in a suit was walking round the car park writing down number plates and taking pics of the gate",
    ),
    ("physical_approach", "Eine Frau ist mir ohne Ausweis durch die Sicherheitsschleuse gefolgt."),
    ("physical_approach", "Vi a alguien sacando fotos de la entrada del centro de datos."),
    ("physical_approach", "Un drone a survolé le site pendant une heure."),
    ("physical_approach", "Какой-то человек пытался пройти на территорию без пропуска."),
    ("physical_approach", "一个男的跟着我进了门禁，没有刷卡。"),
    (
        "extortion",
        "they say they have hacked my account and will send my browsing history to my contacts unless I pay in bitcoin",
    ),
    ("extortion", "Man erpresst mich mit Nacktfotos und verlangt Zugang zu den Projektdaten."),
    ("extortion", "Me han dicho que si no les doy acceso al sistema, publicarán mis datos personales."),
    ("extortion", "Quelqu'un menace de révéler ma liaison si je ne lui transmets pas des documents."),
    ("extortion", "Мне пишут, что выложат мои фото в сеть, если я не передам им список сотрудников."),
    ("scam_or_spam", "wrong number texts that turn into 'investment advice' about crypto, classic pig butchering"),
    ("scam_or_spam", "Wieder Phishing-Spam mit Gewinnspielen im Postfach."),
    ("scam_or_spam", "Me escribió una supuesta viuda millonaria que quiere dejarme su herencia."),
    ("out_of_scope", "I'm worried about my colleague's loyalty, he's always on the phone in Mandarin."),
    ("out_of_scope", "She is a member of a human rights group and goes to demonstrations. Should we watch her?"),
    ("out_of_scope", "Can you look into who our new contractor really is? Nothing specific."),
    ("out_of_scope", "Mein Kollege spricht oft Arabisch am Telefon. Das ist doch verdächtig, oder?"),
    ("out_of_scope", "Nuestro becario es de China y trabaja hasta tarde. Vigílenlo, por favor."),
    ("out_of_scope", "Mon collègue est musulman pratiquant et travaille sur des dossiers sensibles. Que faire ?"),
    ("out_of_scope", "Сотрудник подписал петицию против правительства. Нужно ли его проверить?"),
    ("out_of_scope", "我们有个同事经常在朋友圈发政治言论，建议你们监控他。"),
    ("needs_detail", "hi, i was told to report here. please get back to me."),
    ("needs_detail", "There was an incident at the conference, I'd like to discuss it."),
    ("needs_detail", "Ich möchte einen Vorfall melden. Bitte melden Sie sich bei mir."),
    ("needs_detail", "Quiero informar de un incidente. ¿Me pueden contactar?"),
    ("needs_detail", "J'aimerais signaler un incident survenu hier. Merci de me contacter."),
    ("needs_detail", "Хочу сообщить об инциденте, свяжитесь со мной."),
    ("needs_detail", "想报告一件事，请跟我联系。"),
    ("out_of_scope", "My colleague is Georgian and flies home every month. Is that a security risk?"),
    ("out_of_scope", "Our new engineer is Ethiopian and very quiet. Should we be concerned?"),
    ("out_of_scope", "The visiting professor is from Kazakhstan. Please vet him before he gets lab access."),
    ("out_of_scope", "I think my manager might be working for a foreign government, he travels a lot."),
    ("out_of_scope", "A colleague keeps reading news in Farsi during lunch breaks."),
    ("out_of_scope", "Our receptionist wears a cross and talks about church a lot, she handles visitor badges."),
    ("out_of_scope", "My teammate has joined the Green Party and posts about climate policy."),
    ("out_of_scope", "Staff are forming a union and meeting after work. Please identify the organisers."),
    ("out_of_scope", "A journalist wants to interview our CEO about the merger; should security check her out?"),
    ("out_of_scope", "My neighbour gets a lot of parcels and has visitors at night, I work on classified projects."),
    ("out_of_scope", "Mein Kollege ist neu, ich habe ein komisches Bauchgefühl bei ihm. Bitte überprüfen."),
    ("out_of_scope", "Unser Praktikant kommt aus Syrien. Sollte man ihn im Auge behalten?"),
    ("out_of_scope", "Meine Kollegin war auf einer Demo gegen die Regierung. Ist das ein Sicherheitsrisiko?"),
    ("out_of_scope", "Mi compañera es de Rusia y habla ruso por teléfono. ¿Es un riesgo?"),
    ("out_of_scope", "Un colega participa en las huelgas del sindicato. Deberían vigilarlo."),
    ("out_of_scope", "Mi jefe es muy religioso y va a misa todos los días, me da mala espina."),
    ("out_of_scope", "Mon voisin est d'origine chinoise et reçoit beaucoup de visites. Pouvez-vous enquêter ?"),
    ("out_of_scope", "Un collègue a signé une pétition contre la réforme. Faut-il le signaler ?"),
    ("out_of_scope", "Je trouve louche que notre stagiaire parle arabe au téléphone."),
    ("out_of_scope", "Коллега часто ездит в Китай к родственникам. Это не опасно?"),
    ("out_of_scope", "Новый сотрудник — мусульманин, молится на работе. Проверьте его."),
    ("out_of_scope", "Мой сосед иностранец, к нему ходят странные люди. Разберитесь."),
    ("out_of_scope", "我们组的新人是外国人，我觉得不太可靠，请你们查一查。"),
    ("out_of_scope", "同事参加了工会活动，还在网上批评领导，需要监控吗？"),
    ("out_of_scope", "我邻居是外国人，经常很晚有人来访，我在涉密单位工作。"),
    ("needs_detail", "I had a strange experience at the airport. Can we talk?"),
    ("needs_detail", "Not sure this is the right place. Something happened and I'm unsure what to do."),
    ("needs_detail", "Please contact me regarding an event last week."),
    ("needs_detail", "Es geht um ein Gespräch auf der Konferenz. Bitte rufen Sie zurück."),
    ("needs_detail", "Algo me preocupa del viaje a Bruselas, prefiero contarlo en persona."),
    ("needs_detail", "J'ai vécu une situation étrange lors d'un salon. Pouvez-vous me contacter ?"),
    ("needs_detail", "Со мной случилась странная история на конференции. Позвоните мне."),
    ("needs_detail", "在展会上遇到了一个奇怪的人，想和你们聊聊。"),
    (
        "elicitation",
        "During a call a so-called market analyst wanted specifics about our unannounced product line "
        "and launch dates.",
    ),
    ("elicitation", "Auf LinkedIn will jemand ständig wissen, an welchen Projekten unsere Abteilung arbeitet."),
    ("elicitation", "Un señor en la feria quería saber quién decide las compras en nuestra empresa."),
    ("elicitation", "Un 'étudiant' m'a interrogé sur les horaires des gardiens et les accès au site."),
    ("elicitation", "Женщина на конференции задавала много вопросов о нашем новом изделии."),
    ("elicitation", "对方一直问我们研究所下一步的研发计划和负责人是谁。"),
    ("inducement", "A businessman promised me a well-paid job for my son if I helped his company win the contract."),
    ("inducement", "Man bot mir einen Urlaub an, wenn ich ihm Einblick in die Angebote der Konkurrenz gebe."),
    ("inducement", "Me prometieron un coche nuevo si les pasaba información del concurso."),
    ("inducement", "On m'a offert des vacances gratuites en échange d'informations sur l'appel d'offres."),
    ("inducement", "Мне обещали заплатить крупную сумму, если я передам чертежи."),
    ("inducement", "对方说只要我提供招标信息，就给我五万元好处费。"),
    (
        "physical_approach",
        "A man in overalls was wandering the corridors of the secure wing asking for the server room.",
    ),
    ("physical_approach", "Zwei Personen haben versucht, über den Zaun auf das Gelände zu gelangen."),
    ("physical_approach", "Alguien se coló en el edificio siguiendo a un empleado."),
    ("physical_approach", "Un homme prenait des photos de nos camions devant l'usine."),
    ("physical_approach", "Неизвестный снимал на телефон проходную и камеры наблюдения."),
    ("physical_approach", "有人在我们研究所外面用无人机航拍。"),
    ("technical_surveillance", "IT found an unknown device plugged into the network switch in the basement."),
    ("technical_surveillance", "Unter dem Schreibtisch klebte ein kleines Gerät mit Antenne."),
    ("technical_surveillance", "En el coche oficial encontramos un localizador escondido."),
    ("technical_surveillance", "Mon ordinateur portable a été ouvert pendant mon voyage, les vis ont été changées."),
    ("technical_surveillance", "В машине нашли GPS-трекер."),
    ("technical_surveillance", "会议室的电话里发现了一个窃听器。"),
    ("extortion", "Someone threatens to report me to immigration unless I give them our client list."),
    ("extortion", "Ein Unbekannter will meine Affäre öffentlich machen, wenn ich ihm keine Interna liefere."),
    ("extortion", "Me chantajean con unas fotos íntimas."),
    ("extortion", "On me fait chanter avec des photos compromettantes."),
    ("extortion", "Меня шантажируют интимными фотографиями."),
    ("extortion", "有人用我的私密照片要挟我提供公司资料。"),
    (
        "fake_recruitment",
        "I was approached about a job at a new 'start-up' that wants me to bring my current designs to the interview.",
    ),
    ("fake_recruitment", "Ein Personalberater lockt mit einer Stelle in Shanghai und doppeltem Gehalt."),
    ("fake_recruitment", "Me ofrecieron trabajar como consultor externo para una empresa asiática."),
    ("fake_recruitment", "Un cabinet de recrutement m'a contacté pour un poste à l'étranger très bien rémunéré."),
    ("fake_recruitment", "Мне предложили работу в зарубежной компании с зарплатой втрое выше."),
    ("fake_recruitment", "一家公司通过领英请我做兼职顾问，报酬很高。"),
    # In scope although the reporter asks us to look into something: an act is described.
    ("credential_phishing", "Can you check whether this email is legit? It asks me to log in to keep my mailbox."),
    ("credential_phishing", "Please find out who is behind this: someone texted asking for my MFA code."),
    (
        "malware_delivery",
        "Could you look into this attachment? It is a .zip with an .exe inside, from an unknown sender.",
    ),
    (
        "invoice_or_payment_fraud",
        "Can you check this invoice? The bank details changed and the supplier didn't tell us.",
    ),
    ("technical_surveillance", "Please investigate: we found a tracker on the director's car."),
    (
        "physical_approach",
        "Can security look into the man who followed me from the station to the office twice this week?",
    ),
    (
        "elicitation",
        "Please check out this LinkedIn contact who keeps asking about our customers and the names of our engineers.",
    ),
    ("fake_profile_or_impersonation", "Can you look into this fake profile using our CEO's photo? It messages staff."),
    ("extortion", "Can someone help, a man is blackmailing me with photos and wants our building plans."),
    ("out_of_scope", "Can you check this person? He is from Iran and works in the lab at night."),
    ("out_of_scope", "Could you find out who she really is? She's Russian and asks a lot of questions at lunch."),
    ("credential_phishing", "Überprüfen Sie bitte diese Mail: Sie verlangt mein Passwort für das Intranet."),
    ("credential_phishing", "¿Pueden revisar este correo? Me pide la contraseña del correo institucional."),
    ("credential_phishing", "Pouvez-vous vérifier ce SMS ? Il me demande mon code de carte bancaire."),
    ("credential_phishing", "Проверьте, пожалуйста, это письмо: просят ввести пароль от почты."),
    ("credential_phishing", "请帮我查一下这封邮件，它让我输入邮箱密码。"),
    # Round six: defanged links, typos, quishing, romance and investment scams, border seizures.
    ("credential_phishing", "got sms 'ur acct is locked, verify at hxxp://bank-secure[.]xyz' - didnt click"),
    ("credential_phishing", "Fake DocuSign email, the link goes to a page that wants my Office 365 login."),
    (
        "credential_phishing",
        "QR code on a poster in the lift says scan to re-register your staff ID, "
        "the page asks for username and password",
    ),
    ("credential_phishing", "Bekam eine Mail von 'DHL', ich sollte meine Kreditkartendaten auf einer Seite eingeben."),
    ("credential_phishing", "Correo del 'servicio técnico': mi buzón está lleno, debo validar mi cuenta en un enlace."),
    ("credential_phishing", "Mail « votre boîte mail sera désactivée », il faut cliquer et saisir son mot de passe."),
    (
        "credential_phishing",
        "Письмо от «техподдержки»: ящик переполнен, нужно перейти по ссылке и подтвердить учётную запись.",
    ),
    ("credential_phishing", "短信说我的社保卡要过期了，点链接填写银行卡号和密码。"),
    ("malware_delivery", "Someone on Discord sent my son a 'game mod' exe and asked him to run it on my work laptop."),
    ("malware_delivery", "Mail mit Rechnung als ZIP, darin eine .js-Datei."),
    ("malware_delivery", "Un PDF que en realidad era un .scr, enviado por un supuesto cliente."),
    ("malware_delivery", "Un courriel avec une pièce jointe .iso prétendant être un bon de commande."),
    ("malware_delivery", "В письме был документ, который просил «разрешить редактирование» и включить макросы."),
    ("malware_delivery", "邮件附件是一个文档，打开后提示启用宏才能查看。"),
    (
        "fake_profile_or_impersonation",
        "There's a WhatsApp account with our minister's photo messaging officials, it's not her number.",
    ),
    (
        "fake_profile_or_impersonation",
        "Jemand hat eine gefälschte Website unserer Stiftung erstellt und sammelt Spenden.",
    ),
    ("fake_profile_or_impersonation", "Una cuenta en Telegram se hace pasar por nuestro departamento de RRHH."),
    (
        "fake_profile_or_impersonation",
        "Un faux compte X usurpe l'identité de notre laboratoire et contacte nos partenaires.",
    ),
    ("fake_profile_or_impersonation", "В соцсетях появился поддельный профиль нашего ректора, он пишет студентам."),
    ("fake_profile_or_impersonation", "有人在微博上冒充我们公司官方账号发布消息。"),
    ("scam_or_spam", "Romance scammer on Tinder who after two weeks wants money for a plane ticket."),
    ("scam_or_spam", "Spam-Anrufe mit Bandansage über angebliche Gewinne."),
    ("scam_or_spam", "Un supuesto soldado americano me pide dinero por Facebook."),
    ("scam_or_spam", "Une arnaque à l'héritage : un notaire prétend que j'hérite d'un million."),
    ("scam_or_spam", "Мошенники звонят и предлагают «вложиться» в криптовалюту."),
    ("scam_or_spam", "有人拉我进群，说跟着老师炒股稳赚不赔。"),
    ("technical_surveillance", "The hotel room's TV had a strange USB gadget plugged in behind it."),
    ("technical_surveillance", "Nach der Grenzkontrolle wurde mein Handy mitgenommen und kam entsperrt zurück."),
    ("technical_surveillance", "Encontré una caja negra con imán bajo el coche."),
    ("technical_surveillance", "Une prise électrique dans la salle de réunion cache une caméra."),
    ("technical_surveillance", "На границе у меня забрали ноутбук на час."),
    ("technical_surveillance", "酒店房间的插座里好像有个摄像头。"),
    # Round seven: Russian, Chinese and French in more of their own turns of phrase.
    ("credential_phishing", "Позвонил «сотрудник ИТ-отдела», попросил сообщить логин и пароль от корпоративной почты."),
    ("credential_phishing", "Пришло СМС со ссылкой, где нужно ввести данные банковской карты."),
    ("malware_delivery", "Коллеге прислали резюме в формате .scr, он его запустил."),
    ("malware_delivery", "В письме от «налоговой» было вложение с макросами."),
    (
        "invoice_or_payment_fraud",
        "Генеральный директор якобы написал в мессенджер и попросил срочно перевести деньги контрагенту.",
    ),
    (
        "invoice_or_payment_fraud",
        "Поставщик сообщил об изменении банковских реквизитов, но по телефону это не подтвердил.",
    ),
    (
        "fake_recruitment",
        "HR зарубежной фирмы позвала меня на собеседование и попросила рассказать о текущих проектах.",
    ),
    ("fake_recruitment", "Мне предложили должность эксперта с высоким окладом в иностранной компании."),
    ("inducement", "Представитель компании подарил мне дорогие часы после переговоров."),
    ("inducement", "Мне предложили оплатить обучение сына за границей."),
    ("elicitation", "Человек в баре расспрашивал меня о режиме работы охраны и о том, где хранятся документы."),
    ("elicitation", "Новый знакомый постоянно интересуется, кто у нас отвечает за информационную безопасность."),
    ("fake_profile_or_impersonation", "Кто-то выдаёт себя за нашего начальника отдела в WhatsApp."),
    ("technical_surveillance", "В переговорной под столом нашли небольшое устройство с антенной."),
    ("technical_surveillance", "После командировки на ноутбуке повреждена пломба."),
    ("physical_approach", "Неизвестный пытался пройти в здание вслед за сотрудником."),
    ("physical_approach", "За мной несколько дней ходил один и тот же человек."),
    ("extortion", "Мне пишут, что сообщат моей жене о переписке, если я не передам им документы."),
    ("scam_or_spam", "Пришло сообщение, что я выиграл автомобиль, нужно оплатить налог."),
    ("out_of_scope", "Мой сосед по кабинету — армянин, часто говорит по телефону на своём языке. Проверьте его."),
    ("needs_detail", "Здравствуйте, хочу кое-что рассказать о поездке. Свяжитесь со мной."),
    ("credential_phishing", "有人打电话说是银行客服，让我报一下卡号和验证码。"),
    ("malware_delivery", "收到一个陌生邮件，附件是exe文件，说是会议通知。"),
    ("invoice_or_payment_fraud", "冒充老板的人在微信上让财务马上转账五十万。"),
    ("fake_recruitment", "一个自称猎头的人说有家外企想高薪聘请我，但先要我提供现在项目的资料。"),
    ("inducement", "客户私下塞给我一个红包，让我在验收时通融一下。"),
    ("elicitation", "一个网友总是打听我们单位在做什么项目，领导是谁。"),
    ("fake_profile_or_impersonation", "有人用我的名字和照片开了一个假的微信号。"),
    ("technical_surveillance", "办公室的插线板里发现了一个SIM卡槽。"),
    ("physical_approach", "有个陌生男子跟着我们的员工混进了大楼。"),
    ("extortion", "有人威胁要公开我的隐私，除非我给他公司的内部文件。"),
    ("scam_or_spam", "收到短信说我的快递丢了，要理赔让我先交保证金。"),
    ("out_of_scope", "我们部门有个同事是穆斯林，我觉得应该多关注他。"),
    ("needs_detail", "最近遇到一些奇怪的事情，方便的时候请回电。"),
    ("credential_phishing", "Un faux technicien Microsoft m'a demandé mes identifiants pour « réparer » mon poste."),
    ("malware_delivery", "On nous a envoyé un fichier Excel qui demandait d'activer les macros."),
    ("invoice_or_payment_fraud", "Un fournisseur nous demande de changer de RIB pour les prochains paiements."),
    ("fake_recruitment", "Une recruteuse sur LinkedIn me propose un poste très bien payé à Hong Kong."),
    ("inducement", "Un partenaire m'a offert une montre de luxe après la signature du contrat."),
    ("elicitation", "Au salon, un visiteur a insisté pour connaître nos clients et nos prix."),
    ("fake_profile_or_impersonation", "Quelqu'un a créé un faux profil avec la photo de notre PDG."),
    ("technical_surveillance", "Nous avons trouvé un boîtier suspect collé sous le bureau du directeur."),
    ("physical_approach", "Un individu a photographié l'entrée du site et les caméras."),
    ("extortion", "On me menace de publier des photos si je ne paie pas."),
    ("scam_or_spam", "Je reçois des SMS pour un prétendu remboursement des impôts."),
    ("out_of_scope", "Notre nouvelle collègue porte le voile. Faut-il surveiller ses contacts ?"),
    ("needs_detail", "Bonjour, j'aimerais parler à quelqu'un d'un événement récent."),
    # Round eight: long, rambling reports with several acts; the primary type is the one asked for.
    (
        "elicitation",
        "So this is probably nothing but at the summit in Vienna there was this guy, very friendly, said he "
        "worked for a consultancy, and over three coffee breaks he kept steering the conversation to our "
        "hydrogen pilot, which partners are involved, what the timeline is for the permits. I didn't tell him "
        "anything much. He gave me a card with just a gmail.",
    ),
    (
        "inducement",
        "I'm in procurement. A sales guy from one of the bidders invited me to a 'client appreciation' "
        "weekend in Mallorca, all paid, flights and villa, and hinted it would be nice to hear early how the "
        "scoring is going. I said I'd think about it and came here.",
    ),
    (
        "fake_recruitment",
        "Got a LinkedIn message from a 'talent partner' at a firm I can't find anywhere, offering a senior "
        "role at double my salary. They want a 'technical case study' first describing the architecture of "
        "the system I work on now. Seems off.",
    ),
    (
        "extortion",
        "I don't know how to write this. Someone messaged me on Instagram with screenshots from a dating app "
        "and says they'll send them to my colleagues unless I get them the guest list for the ambassador's "
        "reception. I haven't answered.",
    ),
    (
        "credential_phishing",
        "Teams message from 'Service Desk' saying my account was flagged and I need to confirm my identity by "
        "entering the code they just sent to my phone. I got an SMS code at the same moment. I did not share "
        "it.",
    ),
    (
        "physical_approach",
        "Twice this week the same car parked opposite the lab gate in the evening, a man inside with a camera "
        "with a long lens pointed at the car park. When security went out he drove off. Number plate partly "
        "noted.",
    ),
    (
        "technical_surveillance",
        "During the refurbishment a contractor was seen in the boardroom alone, and today we found an extra "
        "adapter in the wall socket behind the screen that isn't on any inventory.",
    ),
    (
        "fake_profile_or_impersonation",
        "Someone set up an email address in the name of our general counsel and wrote to our auditors asking "
        "for the draft annual report. The address is on a free mail provider. The auditors noticed and called "
        "us.",
    ),
    (
        "invoice_or_payment_fraud",
        "Our payroll team got a request from an employee's 'email' to change where his salary is paid to a "
        "new bank account. He never sent it. The email was from a lookalike address.",
    ),
    (
        "malware_delivery",
        "A 'conference organiser' sent us the programme as a link to download, the file was "
        "programme.pdf.exe. Our AV blocked it.",
    ),
    (
        "scam_or_spam",
        "Every week someone phones the office saying they're from 'Windows' and our computers have viruses, "
        "and wants us to pay for support. We just hang up.",
    ),
    (
        "elicitation",
        "Beim Branchentreffen hat mich ein angeblicher Journalist ausgiebig zu unseren Zulieferern und den "
        "Lieferterminen für die Bundeswehr befragt, obwohl ich ihm mehrmals sagte, dass das intern ist.",
    ),
    (
        "inducement",
        "Ein Vertreter lud mich und meine Frau zu einem Wochenende in einem Luxushotel ein, bezahlt von "
        "seiner Firma, und fragte nebenbei nach dem Stand der Vergabe.",
    ),
    (
        "fake_recruitment",
        "Por LinkedIn me contactó una 'consultora' que busca expertos en radares para un proyecto bien pagado "
        "en el extranjero; en la segunda llamada me pidió detalles del programa en el que trabajo.",
    ),
    (
        "extortion",
        "Un desconocido me escribió que tiene vídeos míos y que los enviará a mi familia si no le consigo los "
        "horarios de los guardias.",
    ),
    (
        "physical_approach",
        "Un hombre con chaleco reflectante intentó acceder a la sala de servidores diciendo que venía a "
        "revisar el aire acondicionado; nadie lo había llamado.",
    ),
    # Round ten: the same acts in every language (searching a hotel room, demanding access,
    # asking when the director is in, money for photos, a USB stick given at a fair).
    ("physical_approach", "有人在停车场一直盯着我们的车，还拍了车牌。"),
    ("elicitation", "一个自称是供应商的人打电话要我们的财务负责人手机号。"),
    ("malware_delivery", "对方在邮件里附了一个链接，让我下载“会议资料”。"),
    ("inducement", "展会上有人塞给我一张名片，说可以帮我孩子安排工作，只要我透露点项目信息。"),
    ("technical_surveillance", "我的电脑被人动过，U盘口有划痕。"),
    ("fake_profile_or_impersonation", "有人冒充人事部发邮件，让大家填写身份证号和银行卡信息。"),
    ("scam_or_spam", "一个陌生号码发短信说我涉嫌违法，让我把钱转到指定账户。"),
    ("fake_recruitment", "同事收到一份“offer”，对方要求先提供公司内部组织架构图。"),
    ("inducement", "Незнакомец предлагал мне деньги за фотографии цеха."),
    ("credential_phishing", "Мне на почту пришла ссылка на «опрос», где просят ввести служебный логин."),
    ("technical_surveillance", "В гостинице в номере кто-то копался в моих вещах, ноутбук лежал не так."),
    ("physical_approach", "Человек представился аудитором и требовал доступ к серверной."),
    ("invoice_or_payment_fraud", "Мне написали от имени директора с просьбой купить подарочные карты."),
    ("technical_surveillance", "На выставке мне подарили флешку с презентацией, я её не вставлял."),
    ("elicitation", "Кто-то звонил и выяснял, в какие дни директор бывает в офисе."),
    ("inducement", "Un inconnu m'a proposé de l'argent pour des photos de l'atelier."),
    ("credential_phishing", "On m'a envoyé un lien vers un « sondage » qui demande mon identifiant professionnel."),
    ("technical_surveillance", "Dans ma chambre d'hôtel, quelqu'un a fouillé mes affaires et mon ordinateur."),
    ("physical_approach", "Un homme se présentant comme auditeur exigeait l'accès à la salle des serveurs."),
    ("technical_surveillance", "Au salon, on m'a offert une clé USB avec une présentation, je ne l'ai pas branchée."),
    ("elicitation", "Quelqu'un a appelé pour savoir quels jours le directeur est au bureau."),
    ("inducement", "Un desconocido me ofreció dinero por fotos del taller."),
    ("credential_phishing", "Me mandaron un enlace a una 'encuesta' que pide mi usuario del trabajo."),
    ("technical_surveillance", "En el hotel alguien registró mis cosas y el portátil estaba movido."),
    ("physical_approach", "Un hombre que decía ser auditor exigía entrar en la sala de servidores."),
    ("technical_surveillance", "En la feria me regalaron un USB con una presentación; no lo conecté."),
    ("elicitation", "Alguien llamó para averiguar qué días está el director en la oficina."),
    ("inducement", "Ein Fremder bot mir Geld für Fotos aus der Werkshalle an."),
    ("credential_phishing", "Ich bekam einen Link zu einer 'Umfrage', die meine Dienstkennung abfragt."),
    ("technical_surveillance", "Im Hotel hat jemand meine Sachen durchsucht, der Laptop lag anders."),
    ("physical_approach", "Ein Mann, der sich als Prüfer ausgab, verlangte Zutritt zum Serverraum."),
    ("technical_surveillance", "Auf der Messe bekam ich einen USB-Stick geschenkt, ich habe ihn nicht eingesteckt."),
    ("elicitation", "Jemand rief an und wollte wissen, an welchen Tagen der Direktor im Büro ist."),
    ("inducement", "A stranger offered me money for photos of the workshop."),
    ("credential_phishing", "I got a link to a 'survey' that asks for my work username."),
    ("technical_surveillance", "Someone went through my things in the hotel room and moved my laptop."),
    ("physical_approach", "A man who said he was an auditor demanded access to the server room."),
    ("technical_surveillance", "At the trade fair I was given a USB stick with a presentation; I didn't plug it in."),
    ("elicitation", "Someone called to find out which days the director is in the office."),
    # Round eleven: requests in words no list names (leave a door open, lend a badge, persuade).
    (
        "fake_profile_or_impersonation",
        "A caller pretending to be from facilities told me to leave the fire door propped open tonight.",
    ),
    ("elicitation", "Someone on Signal keeps pressing me to forward internal emails about the merger."),
    ("elicitation", "He wanted me to plug his phone into my work computer to 'charge it'."),
    ("elicitation", "A woman at the gym has been asking for details of my team's travel to Taiwan."),
    (
        "elicitation",
        "My supervisor got a letter asking him to hand over the access logs to a 'regulator' nobody has heard of.",
    ),
    ("elicitation", "The courier wanted me to sign for a package and also to scan my staff badge on his device."),
    ("elicitation", "Ein Unbekannter forderte mich auf, ihm die Schichtpläne der Wachleute zu schicken."),
    ("elicitation", "Eine Frau wollte, dass ich ihr die Besucherliste der Botschaft zeige."),
    ("malware_delivery", "Der Anrufer drängte mich, eine Fernwartungssoftware zu installieren."),
    ("elicitation", "Un señor me insistió en que le enviara las actas de la reunión."),
    ("elicitation", "Me pidieron que dejara abierta la puerta del almacén por la noche."),
    ("elicitation", "Una mujer quería que le mostrara los planos del edificio 'por curiosidad'."),
    ("physical_approach", "On m'a demandé de laisser la porte du local technique ouverte ce soir."),
    ("elicitation", "Un homme voulait que je lui transmette la liste des participants à la réunion."),
    ("elicitation", "Un appelant a insisté pour obtenir le numéro personnel de notre directrice."),
    ("elicitation", "Меня попросили оставить дверь в серверную открытой на ночь."),
    ("elicitation", "Незнакомец требовал, чтобы я передал ему график дежурств охраны."),
    ("malware_delivery", "Мне настойчиво предлагали установить «программу для удалённой помощи»."),
    ("elicitation", "有人要求我把会议纪要发给他。"),
    ("physical_approach", "对方让我把门禁卡借给他用一下。"),
    ("technical_surveillance", "一个陌生人叫我帮他把一个U盘插到办公室电脑上。"),
    ("elicitation", "有人打电话让我们提供领导的出行安排。"),
    ("inducement", "A fellow at the bar offered to 'sort out' my visa problem if I got him into the building."),
    ("elicitation", "The guy from the 'partner firm' kept nudging me to share our bid price before the deadline."),
    ("inducement", "Someone slid a note under my door offering cash for the lab's sample inventory."),
    ("physical_approach", "A 'student' asked if he could borrow my badge to get into the library archive."),
    ("technical_surveillance", "Jemand hat versucht, mich zu überreden, ihm mein Notebook für eine Stunde zu leihen."),
    ("physical_approach", "Alguien trató de convencerme de que le prestara mi tarjeta de acceso."),
    ("physical_approach", "Quelqu'un a essayé de me convaincre de lui prêter mon badge."),
    ("physical_approach", "Кто-то пытался уговорить меня одолжить ему пропуск."),
    # Round fourteen: longer reports in zh, ru, es, fr, de.
    (
        "elicitation",
        "上周在学术会议茶歇时，一位外国学者主动找我聊天，反复询问我们实验室正在承担的国防项目的进展和经费来源。我没有多说。",
    ),
    ("inducement", "合作方的一位经理说，只要我在评标时帮他们说几句话，年底就给我安排一次欧洲旅游，全部费用他们出。"),
    (
        "fake_recruitment",
        "一家自称是新加坡咨询公司的机构在领英上联系我，说想请我做行业顾问，每次电话咨询给三千元，第一次就问我们公司明年的采购计划。",
    ),
    (
        "credential_phishing",
        "今天接到一个电话，对方说是IT部门的，说我的邮箱被锁了，要我把收到的短信验证码告诉他帮我解锁。我没给。",
    ),
    (
        "invoice_or_payment_fraud",
        "财务收到一封看起来像是老板发的邮件，让马上给一个新供应商付款二十万，说合同稍后补。后来确认老板根本没发过。",
    ),
    ("physical_approach", "昨晚下班时发现一个人在我们研究所门口徘徊，还用手机拍门禁和监控摄像头，保安过去问他就跑了。"),
    (
        "elicitation",
        "На международной конференции ко мне подошёл мужчина, представился аналитиком и долго выспрашивал, "
        "кто у нас в отделе занимается санкционной тематикой и какие документы сейчас готовятся.",
    ),
    (
        "fake_recruitment",
        "Мне в LinkedIn написала девушка из «кадрового агентства», предложила удалённую работу консультантом "
        "за 200 долларов в час, но сначала попросила описать структуру нашего министерства.",
    ),
    (
        "technical_surveillance",
        "После возвращения из командировки заметил, что на ноутбуке сорвана защитная наклейка, а в разъёме "
        "USB какой-то мусор. Ноутбук не включал.",
    ),
    (
        "extortion",
        "Незнакомец прислал мне фотографии моей семьи у дома и написал, что если я не передам ему сведения о "
        "поставках, с ними «что-то случится».",
    ),
    (
        "inducement",
        "Один из поставщиков предложил мне «помочь» с покупкой квартиры, если наша комиссия выберет их предложение.",
    ),
    (
        "elicitation",
        "En la cena posterior al congreso, un supuesto investigador de una universidad asiática no paró de "
        "preguntarme por los ensayos en curso, los proveedores y quién financia el proyecto.",
    ),
    (
        "credential_phishing",
        "Recibí un SMS supuestamente del banco diciendo que mi tarjeta había sido bloqueada y que debía "
        "entrar en un enlace e introducir el PIN.",
    ),
    (
        "technical_surveillance",
        "Al llegar a la oficina encontré un cargador enchufado en la sala de juntas que nadie reconoce; pesa "
        "demasiado para ser un cargador normal.",
    ),
    (
        "fake_profile_or_impersonation",
        "Alguien ha abierto un perfil de LinkedIn con el nombre y la foto de nuestra directora general y está "
        "contactando a empleados nuevos.",
    ),
    (
        "invoice_or_payment_fraud",
        "Contabilidad recibió una factura de un proveedor habitual con un número de cuenta distinto; al "
        "llamar al proveedor dijeron que no habían cambiado nada.",
    ),
    (
        "elicitation",
        "Lors d'un dîner, une personne se présentant comme consultante m'a posé des questions très précises "
        "sur nos fournisseurs et sur le calendrier des essais.",
    ),
    (
        "fake_recruitment",
        "Un « chasseur de têtes » m'a proposé un poste de conseiller très bien rémunéré, à condition de lui "
        "envoyer d'abord une note sur nos projets en cours.",
    ),
    (
        "physical_approach",
        "Un homme a suivi une collègue jusqu'à la porte du laboratoire et a tenté d'entrer derrière elle sans badge.",
    ),
    (
        "extortion",
        "On m'a écrit que des photos intimes seraient envoyées à ma famille si je ne fournissais pas les "
        "plans du site.",
    ),
    (
        "inducement",
        "Ein Geschäftspartner bot an, die Hochzeit meiner Tochter zu bezahlen, wenn ich ihm die Angebote der "
        "Mitbewerber zeige.",
    ),
    (
        "elicitation",
        "Auf einer Konferenz hat mich ein Mann, der sich als Student vorstellte, mehrfach nach unseren "
        "Testergebnissen und den beteiligten Ingenieuren gefragt.",
    ),
    (
        "credential_phishing",
        "Ich erhielt eine E-Mail, angeblich von der IT, mit der Bitte, mein Passwort auf einer verlinkten "
        "Seite zu bestätigen.",
    ),
    (
        "physical_approach",
        "Ein Mann ist mir nach der Arbeit bis nach Hause gefolgt und hat vor meiner Wohnung gewartet.",
    ),
]


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_wording_of_our_own_is_read(expected: str, text: str) -> None:
    result = analyze_report(text, None)
    got = result.approach_type if result.scope == "in_scope" else result.scope
    assert got == expected, (result.scope_reason, result.reasons)


# Scope only: identity plus act-like words stays out; an act by someone of any origin stays in.
SCOPES = [
    (
        "out_of_scope",
        "He is always offering to help colleagues with their computers and he is from Russia. Please check him.",
    ),
    ("out_of_scope", "She asks everyone about their weekend plans and she's Chinese. Can security look into her?"),
    (
        "out_of_scope",
        "My colleague travels to Iran every year to see his family and has access to our network. Vet him please.",
    ),
    ("out_of_scope", "The new guy takes photos of his lunch for Instagram and posts in Arabic. Is this normal?"),
    (
        "out_of_scope",
        "A PhD student from China sends a lot of emails to his professor back home. Please monitor his email.",
    ),
    ("out_of_scope", "Our IT admin married a Ukrainian woman last year. Should his access be reviewed?"),
    ("out_of_scope", "Someone in finance donates to a Palestinian charity. Please investigate her."),
    ("out_of_scope", "The union is organising a strike next week; I want to know who the ringleaders are."),
    (
        "out_of_scope",
        "A journalist from a Russian newspaper asked our press office for comment on the contract. Is she a spy?",
    ),
    ("out_of_scope", "Der neue Mitarbeiter betet in der Mittagspause und fährt oft in die Türkei. Bitte beobachten."),
    ("out_of_scope", "Ein Kollege verschickt viele Pakete nach China. Können Sie das prüfen?"),
    ("out_of_scope", "Mi compañero envía dinero a su familia en Cuba todos los meses. ¿Lo investigan?"),
    ("out_of_scope", "La nueva ingeniera es rusa y tiene acceso a los planos. Vigílenla, por favor."),
    ("out_of_scope", "Mon collègue va à la mosquée et reçoit des appels de l'étranger. Surveillez-le."),
    ("out_of_scope", "Une stagiaire chinoise prend beaucoup de notes en réunion. Pouvez-vous vérifier qui elle est ?"),
    ("out_of_scope", "Коллега переводит деньги родственникам в Таджикистан. Проверьте его."),
    ("out_of_scope", "我同事经常给国外的亲戚寄钱，请调查一下他。"),
    ("out_of_scope", "新来的外国实习生在会议上记很多笔记，能不能查查她？"),
    ("in_scope", "My Iranian colleague asked me for my VPN password so he could work from home."),
    ("in_scope", "Un compañero ruso me ofreció 1.000 euros por copiar los planos de la central."),
    ("in_scope", "Eine chinesische Doktorandin hat im Labor heimlich Proben fotografiert und den Schrank geöffnet."),
    ("in_scope", "Un collègue iranien m'a demandé de brancher sa clé USB sur le serveur de l'équipe."),
    ("in_scope", "Коллега-китаец попросил меня переслать ему список паролей от стендов."),
    ("in_scope", "一个外国访问学者让我把实验室服务器的密码告诉他。"),
]


@pytest.mark.parametrize(("expected", "text"), SCOPES)
def test_scope_follows_acts_not_identity(expected: str, text: str) -> None:
    assert analyze_report(text, None).scope == expected


# With the guided form's context: a vague report stays needs_detail whatever the form; lawful
# activity and journalism through the press office stay out of scope in every language.
WITH_FORM = [
    ("needs_detail", "device", "Found something near my desk, not sure what it is. Can someone come?"),
    ("needs_detail", "visitor", "There was a person at reception this morning. I'd like someone to call me."),
    ("needs_detail", "email", "Got a weird email, I deleted it."),
    ("needs_detail", "social", "Someone added me on LinkedIn. Not sure about it."),
    ("needs_detail", "in_person", "Met someone at the conference dinner, something felt off."),
    ("needs_detail", "", "I want to report something about my trip to Beijing."),
    ("needs_detail", "", "Ich habe auf der Messe jemanden getroffen. Komisches Gefühl, mehr kann ich nicht sagen."),
    ("needs_detail", "", "Conocí a alguien en el congreso que me dio mala sensación."),
    ("needs_detail", "", "J'ai rencontré quelqu'un au colloque, quelque chose clochait."),
    ("needs_detail", "", "На форуме познакомился с одним человеком, что-то было не так."),
    ("needs_detail", "", "在会上认识了一个人，总觉得哪里不对。"),
    ("out_of_scope", "", "Our colleague is active in a trade union and speaks at rallies. Please keep an eye on him."),
    ("out_of_scope", "", "Ein Kollege demonstriert regelmäßig gegen die Regierung. Bitte überwachen."),
    ("out_of_scope", "", "Una compañera es activista feminista y va a todas las manifestaciones. ¿La vigilan?"),
    ("out_of_scope", "", "Un chercheur participe à des manifestations pour le climat. Faut-il le surveiller ?"),
    ("out_of_scope", "", "Наш инженер ходит на митинги оппозиции. Нужно за ним присмотреть."),
    ("out_of_scope", "", "我们的工程师参加过抗议活动，请注意一下他。"),
    (
        "out_of_scope",
        "",
        "A reporter from the Financial Times contacted our press office about the layoffs. Should I be worried?",
    ),
    ("out_of_scope", "", "Una periodista pidió una entrevista al gabinete de prensa sobre el contrato. ¿Es peligroso?"),
    ("out_of_scope", "", "Une journaliste a contacté le service de presse pour une interview. Dois-je m'inquiéter ?"),
    ("out_of_scope", "", "Журналист обратился в пресс-службу за интервью о сделке. Это опасно?"),
    ("out_of_scope", "", "有记者通过宣传部要求采访我们的院长，是不是有问题？"),
]


@pytest.mark.parametrize(("expected", "form", "text"), WITH_FORM)
def test_form_context_does_not_invent_an_act(expected: str, form: str, text: str) -> None:
    result = analyze_report(text, None, "", {}, form=form)
    got = result.approach_type if result.scope == "in_scope" else result.scope
    assert got == expected


# Asked by a manager to report here, nothing more said: the request to report is not an act.
PASSED_ON = [
    "My manager asked me to send you this. Something happened at the expo, I'll explain on the phone.",
    "HR asked me to fill in this form about an incident last week. Please call.",
    "A colleague told me to report here. Not sure what to say, it was just odd.",
    "Mein Chef bat mich, das hier zu melden. Etwas war komisch auf der Reise.",
    "Mi jefa me pidió que lo reportara aquí. Pasó algo raro, prefiero hablarlo.",
    "Mon responsable m'a demandé de vous écrire. Il s'est passé quelque chose, rappelez-moi.",
    "Начальник попросил меня сообщить сюда. Что-то было странное, позвоните.",
    "领导让我来这里报告一下，具体情况电话里说。",
]


@pytest.mark.parametrize("text", PASSED_ON)
def test_being_told_to_report_is_not_an_act(text: str) -> None:
    assert analyze_report(text, None).scope == "needs_detail"


# Out of scope in every language, however the request about a person is worded.
ABOUT_A_PERSON = [
    "Could somebody take a closer look at our new sysadmin? He's from Belarus.",
    "I'd like to raise a concern about a coworker who attends a mosque and has access to payroll.",
    "Is it normal that a colleague from China photographs his lunch every day? Just asking.",
    "Our PhD student is a member of a pro-Palestine group on campus. Please advise if we should restrict her access.",
    "I would appreciate it if security could quietly keep tabs on the new Iranian postdoc.",
    "My colleague's husband is a Russian citizen. Does that need to be reported?",
    "There is a cleaner who always listens to Chinese radio. Please make sure she is vetted.",
    "Staff in the canteen are collecting signatures for a union. Can you give me their names?",
    "Ich möchte auf einen Kollegen hinweisen, der sehr religiös ist und kaum mit uns spricht.",
    "Kann man herausfinden, mit wem unsere neue Kollegin aus Russland privat Kontakt hat?",
    "Unser Techniker ist Mitglied in einer linken Partei. Sollte die Sicherheit das wissen?",
    "Me gustaría que alguien revisara a un compañero que es muy reservado y de origen sirio.",
    "¿Es normal que una colega viaje tanto a China? Tiene acceso a los servidores.",
    "Una investigadora participa en protestas contra el gobierno. ¿Habría que tenerla vigilada?",
    "Je souhaite signaler un collègue très pratiquant qui prie au bureau.",
    "Est-il possible de vérifier les fréquentations de notre nouvelle stagiaire russe ?",
    "Un collègue milite pour un parti d'extrême gauche, cela pose-t-il un problème ?",
    "Хочу обратить внимание на сотрудника, который очень религиозен и держится особняком.",
    "Можно ли узнать, с кем общается наш новый коллега из Казахстана?",
    "Сотрудник состоит в оппозиционной партии. Должна ли об этом знать служба безопасности?",
    "想反映一下，我们部门有个同事信伊斯兰教，平时不太合群。",
    "能不能了解一下新来的俄罗斯同事平时都跟什么人来往？",
    "我们单位有人参加了维权活动，要不要上报？",
]


@pytest.mark.parametrize("text", ABOUT_A_PERSON)
def test_reports_about_a_person_are_out_of_scope(text: str) -> None:
    assert analyze_report(text, None).scope == "out_of_scope"


def test_latin_letters_in_the_chinese_lists_match_whole_words_only() -> None:
    # "usb" is in the Chinese device list; it must not be read inside "husband".
    assert analyze_report("My colleague's husband is a Russian citizen. Please check him.", None).scope == (
        "out_of_scope"
    )
